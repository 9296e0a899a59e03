"""Which images we accept and show: PNG, JPEG, GIF and WebP, known by their bytes, never by a name or by the
type a browser sent. Question images (bank ZIPs) and lesson attachments use the same rule."""

# (signature test, content type), from the first bytes of the file.
_SIGNATURES = (
    (lambda head: head.startswith(b"\x89PNG\r\n\x1a\n"), "image/png"),
    (lambda head: head.startswith(b"\xff\xd8\xff"), "image/jpeg"),
    (lambda head: head.startswith((b"GIF87a", b"GIF89a")), "image/gif"),
    (lambda head: head[:4] == b"RIFF" and head[8:12] == b"WEBP", "image/webp"),
)

# The content types an image may be stored and served with.
IMAGE_TYPES = frozenset(content_type for _matches, content_type in _SIGNATURES)


def image_type(data: bytes) -> str | None:
    """The content type the bytes' signature shows (PNG, JPEG, GIF or WebP), or None."""
    head = data[:16]
    for matches, content_type in _SIGNATURES:
        if matches(head):
            return content_type
    return None
