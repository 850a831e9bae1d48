"""The exception types labelops commands raise for problems the user can fix.

The CLI prints its message as a single `labelops: error: ...` line and exits non-zero; anything
else escaping a command is a bug and keeps its traceback.
"""


class LabelopsError(Exception):
    """A user-facing error: bad input, a refused request, an unreachable server."""


class NotFoundError(LabelopsError):
    """Label Studio has no such object (HTTP 404): a project, task or annotation that does not exist (any more)."""
