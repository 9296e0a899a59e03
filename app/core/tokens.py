"""How secret tokens are stored: login sessions, API clients, pending uploads and calendar links keep only a
token's SHA-256, so a copy of the database opens nothing. A token is 256 random bits from `secrets`, so a fast
hash is enough (no password stretching), and looking it up by its hash leaves no comparison to time."""

import hashlib


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
