"""How SQLite transactions begin, so that readers never wait for a writer.

SQLite allows one writer at a time. A transaction that begins IMMEDIATE takes the write
lock at once and waits its turn (up to the busy timeout): right for anything that writes,
since a DEFERRED one that reads first and writes later fails outright when another writer
committed in between. But a page that only reads must not queue behind the job worker:
in WAL mode a DEFERRED transaction reads its snapshot while a writer works.

So transactions begin IMMEDIATE unless the code says it is reading: requests with a safe
method (GET, HEAD, OPTIONS; they are meant to change nothing) and the analysis run's
reading phase. PostgreSQL ignores all this (its readers never wait for writers).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

_immediate: ContextVar[bool] = ContextVar("sqlite_begin_immediate", default=True)
# Inside `reading()`: long work that says where its reading and writing phases begin.
_phased: ContextVar[bool] = ContextVar("sqlite_phased_work", default=False)

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def begin_statement() -> str:
    return "BEGIN IMMEDIATE" if _immediate.get() else "BEGIN DEFERRED"


@contextlib.contextmanager
def reading() -> Iterator[None]:
    """Transactions begun inside read without taking the write lock, until the code
    says it writes (`now_writing`)."""
    token, phased = _immediate.set(False), _phased.set(True)
    try:
        yield
    finally:
        _immediate.reset(token)
        _phased.reset(phased)


@contextlib.contextmanager
def writing() -> Iterator[None]:
    """Transactions begun inside take the write lock at once (and wait for it)."""
    token = _immediate.set(True)
    try:
        yield
    finally:
        _immediate.reset(token)


def now_writing(session) -> None:
    """Long work inside `reading()` is done reading and about to write: its read
    transaction (which wrote nothing) ends, and the next begins IMMEDIATE. A write that
    followed reads in the same deferred transaction could fail if anyone wrote in between.
    Elsewhere (a request, a test) nothing happens: the caller's transaction goes on."""
    if _phased.get() and not _immediate.get():
        session.commit()
        _immediate.set(True)


def now_reading(session) -> None:
    """Long work inside `reading()` has written what it must and reads at length again:
    what it wrote is committed, and it reads without holding the write lock."""
    if _phased.get() and _immediate.get():
        session.commit()
        _immediate.set(False)


def is_lock_error(error: BaseException) -> bool:
    """SQLite's "database is locked": a reader's transaction that had to write."""
    return "database is locked" in str(getattr(error, "orig", error))
