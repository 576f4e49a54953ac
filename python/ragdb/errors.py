"""ragdb's exceptions: one class per status code of the C++ API (include/ragdb/status.h).

The embedded engine raises them with ragdb's message; the HTTP client raises the class of the
server's HTTP status (the server maps codes to HTTP statuses in one table, docs/server.md).
Some also derive from the built-in exception Python code would expect (InvalidArgument is a
ValueError and a TypeError, NotFound a LookupError, ...), so generic handlers catch them too.
"""


class Error(Exception):
    """Base class of every ragdb error. `code` names the status, `message` is ragdb's text."""

    code = "Unknown"

    def __init__(self, message=""):
        super().__init__(message)
        self.message = message


class InvalidArgument(Error, ValueError, TypeError):
    """Bad input from the caller: wrong dimension, NaN, malformed filter, wrong type..."""
    code = "InvalidArgument"


class NotFound(Error, LookupError):
    """Unknown collection, id, knowledge base or document."""
    code = "NotFound"


class AlreadyExists(Error):
    """A collection or knowledge base of that name exists."""
    code = "AlreadyExists"


class Corruption(Error):
    """A checksum or structure check failed on stored data."""
    code = "Corruption"


class IOError(Error, OSError):  # noqa: A001 - named after the status code, as the others
    """The operating system refused a read, write, fsync or rename."""
    code = "IOError"


class ResourceExhausted(Error):
    """Over a documented limit (payload size, batch size, request size)."""
    code = "ResourceExhausted"


class FailedPrecondition(Error):
    """Valid, but not in the current state (e.g. the database or collection is closed)."""
    code = "FailedPrecondition"


class Unimplemented(Error, NotImplementedError):
    """A feature this build or this transport does not have."""
    code = "Unimplemented"


class Internal(Error):
    """A broken invariant inside ragdb."""
    code = "Internal"


class PermissionDenied(Error, PermissionError):
    """An authenticated caller without the right (a read-only API key writing)."""
    code = "PermissionDenied"


class Unauthenticated(Error):
    """No API key, or an unknown one."""
    code = "Unauthenticated"


class Unavailable(Error, ConnectionError):
    """Shutting down, overloaded, or the server cannot be reached."""
    code = "Unavailable"


class DeadlineExceeded(Error, TimeoutError):
    """A timeout."""
    code = "DeadlineExceeded"


# The server's HTTP status -> the status code it came from (src/server/status_http.cc).
# 409 is also FailedPrecondition and 500 also Corruption / IOError: the message tells.
_BY_HTTP_STATUS = {
    400: InvalidArgument,
    401: Unauthenticated,
    403: PermissionDenied,
    404: NotFound,
    408: DeadlineExceeded,
    409: AlreadyExists,
    413: ResourceExhausted,
    429: ResourceExhausted,
    501: Unimplemented,
    503: Unavailable,
}


def for_http_status(status):
    """The exception class for an HTTP error status of a ragdb server."""
    return _BY_HTTP_STATUS.get(status, Internal)
