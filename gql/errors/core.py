"""The exception hierarchy's base classes, and the errors of loading and of queries (the
tree is in ``gql.errors``; the store's are in ``gql.errors.store``)."""

from __future__ import annotations

from pathlib import Path


class GqlError(Exception):
    """Base class of every error this package raises on purpose."""


class IngestError(GqlError):
    """A seed file was rejected: it names the file, the field and the problem."""

    def __init__(self, path: Path | str, field: str | None, problem: str) -> None:
        self.path = str(path)
        self.field = field
        self.problem = problem
        where = f"{self.path}: {field}" if field else self.path
        super().__init__(f"{where}: {problem}")


class YAMLLimitExceeded(GqlError):
    """A YAML document holds more values or deeper nesting than allowed (aliases expanded);
    it names the top-level key where the limit was reached, when there is one."""

    def __init__(self, field: str | None, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}" if field else problem)


class LoadError(GqlError):
    """A load cannot start or finish (it names the path and the problem): nothing was written."""

    def __init__(self, path: Path | str, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class WrongNumberOfResults(GqlError):
    """A DataLoader batch function returned a different number of values than it got keys."""

    def __init__(self, *, expected: int, received: int) -> None:
        self.expected = expected
        self.received = received
        super().__init__(f"batch function returned {received} values for {expected} keys")


class AssetsMissing(GqlError):
    """GraphiQL's files are not installed where the server looks (``npm ci`` not run there)."""

    def __init__(self, folder: Path, missing: str) -> None:
        self.folder = folder
        self.missing = missing
        super().__init__(f"{missing} is missing from {folder}")


class AllowListInvalid(GqlError):
    """An allow-list (``--persisted-only``) that cannot be served: its path, the problem."""

    def __init__(self, path: Path | str, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class UserError(GqlError):
    """An error caused by the request; its message and code are shown to the client."""

    code = "BAD_USER_INPUT"


class InvalidId(UserError):
    """A global ID that cannot be decoded, or that names an unexpected type."""

    code = "INVALID_ID"

    def __init__(self, value: str, expected: str | None = None) -> None:
        self.value = value
        self.expected = expected
        what = f"a {expected} ID" if expected else "a global ID"
        super().__init__(f"{value!r} is not {what}")


class InvalidCursor(UserError):
    """A pagination cursor that was not produced by this connection."""

    code = "INVALID_CURSOR"

    def __init__(self, value: str) -> None:
        self.value = value
        super().__init__(f"{value!r} is not a valid cursor for this list")


class InvalidArgument(UserError):
    """An argument whose value is outside what the field accepts."""

    code = "INVALID_ARGUMENT"

    def __init__(self, argument: str, problem: str) -> None:
        self.argument = argument
        self.problem = problem
        super().__init__(f"argument {argument!r}: {problem}")


class InvalidText(UserError):
    """A string with an unpaired surrogate (``"\\ud800"`` in a query): not Unicode text,
    so it can be neither stored nor compared; or, on PostgreSQL, with a NUL character,
    which its text cannot hold."""

    code = "INVALID_TEXT"

    def __init__(self, value: str, position: int, problem: str = "unpaired surrogate") -> None:
        self.value = value
        self.position = position
        code_point = f"U+{ord(value[position]):04X}"
        super().__init__(
            f"{value!r} is not valid text: {problem} {code_point} at position {position}"
        )


class SearchSyntaxError(UserError):
    """A full-text search query that SQLite FTS5 rejects."""

    code = "INVALID_SEARCH_QUERY"

    def __init__(self, query: str, problem: str) -> None:
        self.query = query
        self.problem = problem
        super().__init__(
            f"search query {query!r} is not valid: {problem}. Words match by prefix with *,"
            ' phrases go in double quotes (e.g. "state-of-the-art"), and AND, OR, NOT and'
            " parentheses combine them"
        )


class SearchTooLarge(UserError):
    """A full-text search query past one of the bounds that keep a search's cost bounded."""

    code = "INVALID_SEARCH_QUERY"

    def __init__(self, what: str, limit: int, received: int, *, note: str = "") -> None:
        self.what = what
        self.limit = limit
        self.received = received
        super().__init__(
            f"search query has {received} {what}; at most {limit} are allowed"
            + (f" ({note})" if note else "")
        )


class RequestRejected(UserError):
    """A request the HTTP edge refuses before GraphQL runs; ``status`` is its HTTP status."""

    status = 400


class MalformedRequest(RequestRejected):
    """A request that is not a well-formed GraphQL-over-HTTP request (bad JSON, wrong types)."""

    code = "BAD_REQUEST"

    def __init__(self, problem: str) -> None:
        self.problem = problem
        super().__init__(problem)


class MethodNotAllowed(RequestRejected):
    """An HTTP method the endpoint does not serve, or a mutation sent with GET."""

    code = "METHOD_NOT_ALLOWED"
    status = 405

    def __init__(self, method: str, allowed: tuple[str, ...], *, what: str = "") -> None:
        self.method = method
        self.allowed = allowed
        subject = what or f"{method} requests"
        super().__init__(f"{subject} are not allowed here; use {', '.join(allowed)}")


class NotAcceptable(RequestRejected):
    """An ``Accept`` header that names none of the media types a response can have."""

    code = "NOT_ACCEPTABLE"
    status = 406

    def __init__(self, accept: str, supported: tuple[str, ...]) -> None:
        self.accept = accept
        self.supported = supported
        super().__init__(
            f"cannot answer with any of {accept!r}; responses are {' or '.join(supported)}"
        )


class RequestTooLarge(RequestRejected):
    """A request body (413) or query string (414) longer than the server's limit."""

    code = "REQUEST_TOO_LARGE"

    def __init__(self, part: str, limit_bytes: int, *, status: int = 413) -> None:
        self.part = part
        self.limit_bytes = limit_bytes
        self.status = status
        super().__init__(f"the request {part} is larger than {limit_bytes} bytes")


class UnsupportedMediaType(RequestRejected):
    """A POST body whose ``Content-Type`` is missing or not ``application/json``."""

    code = "UNSUPPORTED_MEDIA_TYPE"
    status = 415

    def __init__(self, content_type: str | None, supported: str) -> None:
        self.content_type = content_type
        self.supported = supported
        got = f"{content_type!r}" if content_type else "no Content-Type"
        super().__init__(f"request bodies must be {supported}, got {got}")


class LimitExceeded(UserError):
    """A query over one of the server's limits (size, shape or cost), refused before it ran.

    ``code`` names the limit (``QUERY_TOO_DEEP``, ``QUERY_TOO_COMPLEX``...), ``limit`` is
    the largest figure the server accepts and ``found`` the query's (None when the parser
    stopped at the limit); ``unit`` says what is counted, ``advice`` what to change.
    """

    def __init__(
        self, code: str, *, what: str, found: int | None, limit: int, unit: str, advice: str
    ) -> None:
        self.code = code
        self.what = what
        self.found = found
        self.limit = limit
        self.unit = unit
        self.advice = advice
        if found is None:
            figures = f"more than the {limit:,} {unit} this server accepts"
        else:
            figures = f"{found:,} {unit}, more than the {limit:,} this server accepts"
        super().__init__(f"{what}: {figures}; {advice}")

    def again(self) -> LimitExceeded:
        """The same refusal as a new exception: what a cache of refusals keeps and raises.
        Raising one kept instance again would chain each raise's frames (and what they
        hold alive) onto its traceback, for as long as it is kept."""
        return LimitExceeded(
            self.code,
            what=self.what,
            found=self.found,
            limit=self.limit,
            unit=self.unit,
            advice=self.advice,
        )


class ResponseTooLarge(UserError):
    """An answer whose JSON would exceed the server's response-size limit."""

    code = "RESPONSE_TOO_LARGE"

    def __init__(self, size_bytes: int, limit_bytes: int) -> None:
        self.size_bytes = size_bytes
        self.limit_bytes = limit_bytes
        super().__init__(
            f"the response would be {size_bytes:,} bytes, more than the {limit_bytes:,} this"
            " server sends; ask for fewer items (first/last) or fewer fields"
        )
