"""Sync: the ``gql load`` pipeline, which brings a database up to date with seed folders.

The stage in reading order: ``changes`` (what changed on disk since the last load),
``reading`` (reading and parsing one chunk of changed files, safely), ``workers`` (the
chunks on every core when worth it, each file's parse time watched),
``state`` (which file defines each URL, and the writes of each chunk), ``pipeline`` (the
load itself, one transaction), ``report`` (what ``gql load`` prints). Here ingest
meets the store: sync runs ingest on the changed files and hands the records to the
store, which it reaches only through ``gql.store``'s exported names.
"""

from gql.sync.changes import is_stale
from gql.sync.pipeline import DEFAULT_LOCK_TIMEOUT_S, ProgressCallback, load_into, load_paths
from gql.sync.report import Duplicate, LoadReport, Rejected
from gql.sync.workers import DEFAULT_PARSE_TIMEOUT_S

__all__ = [
    "DEFAULT_LOCK_TIMEOUT_S",
    "DEFAULT_PARSE_TIMEOUT_S",
    "Duplicate",
    "LoadReport",
    "ProgressCallback",
    "Rejected",
    "is_stale",
    "load_into",
    "load_paths",
]
