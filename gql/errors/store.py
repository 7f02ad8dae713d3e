"""The errors of the store: the database cannot do what was asked (the tree is in
``gql.errors``)."""

from __future__ import annotations

from pathlib import Path

from gql.errors.core import GqlError


class StoreError(GqlError):
    """The database could not be opened, read or written."""


class DatabaseUnavailable(StoreError):
    """The database file cannot be opened: it names the file and what stood in the way."""

    def __init__(self, path: Path | str, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"cannot open database {self.path}: {problem}")


class DatabaseReadOnly(StoreError):
    """A write was asked of a store opened read-only (a server's, or a published file's)."""

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        super().__init__(f"database {self.path} is open read-only")


class StoreClosed(StoreError):
    """A statement was asked of a store after ``close()``."""

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        super().__init__(f"the store of {self.path} is closed")


class StatementFailed(StoreError):
    """SQLite refused a statement (``action`` is "read" or "write") for a reason other than
    time, locks or damage, each of which has its own error."""

    def __init__(self, path: Path | str, action: str, problem: str) -> None:
        self.path = str(path)
        self.action = action
        self.problem = problem
        what = (
            f"cannot write database {self.path}"
            if action == "write"
            else (f"a read of database {self.path} failed")
        )
        super().__init__(f"{what}: {problem}")


class DatabaseLocked(StoreError):
    """Another connection (another ``gql load``) held the database's write lock for longer
    than this one would wait."""

    def __init__(self, path: Path | str, waited_ms: int) -> None:
        self.path = str(path)
        self.waited_ms = waited_ms
        super().__init__(
            f"database {self.path} is being written by another process (another gql load?):"
            f" gave up after waiting {waited_ms / 1000:g} s"
        )


class QueryTimeout(StoreError):
    """A read query ran longer than the store's time limit and was interrupted."""

    def __init__(self, time_limit_ms: int) -> None:
        self.time_limit_ms = time_limit_ms
        super().__init__(f"query interrupted after {time_limit_ms} ms")


class CursorMismatch(StoreError):
    """A keyset cursor whose number of values is not the number of the list's sort keys."""

    def __init__(self, *, expected: int, received: int) -> None:
        self.expected = expected
        self.received = received
        super().__init__(f"cursor has {received} values, the ordering has {expected} sort keys")


class RequestTimeout(QueryTimeout):
    """A read was interrupted, or refused, because its request ran out of time."""

    code = "TIMEOUT"

    def __init__(self, time_limit_ms: int) -> None:
        self.time_limit_ms = time_limit_ms
        StoreError.__init__(
            self, f"the request ran past its time limit of {time_limit_ms} ms and was stopped"
        )


class DatabaseDamaged(StoreError):
    """SQLite found the database file is not a database, or has damaged pages."""

    def __init__(self, path: Path | str, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(
            f"database {self.path} is damaged ({problem}): restore a good copy, or remove it"
            " and build it again with `gql load`"
        )
