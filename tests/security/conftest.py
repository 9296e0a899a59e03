"""The security regression suite (docs/security.md): shared fixtures.

`real_arguments` (a real object for every URL argument, built once per test) comes from the page-render
test, so both walks cover the same world.
"""

from tests.core.test_pages_render import real_arguments  # noqa: F401  (a fixture)
