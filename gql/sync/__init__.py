"""Sync: the ``gql load`` pipeline, which brings a database up to date with seed folders.

The stage in reading order: ``changes`` (what changed on disk since the last load),
``workers`` (reading and parsing the changed files, on every core when worth it),
``state`` (which file defines each URL, and the writes of each chunk), ``pipeline`` (the
load itself, one transaction), ``report`` (what ``gql load`` prints). Here ingest
meets the store: sync runs ingest on the changed files and hands the records to the
store, which it reaches only through ``gql.store``'s exported names.
"""

from gql.sync.changes import is_stale
from gql.sync.pipeline import ProgressCallback, load_into, load_paths
from gql.sync.report import Duplicate, LoadReport, Rejected

__all__ = [
    "Duplicate",
    "LoadReport",
    "ProgressCallback",
    "Rejected",
    "is_stale",
    "load_into",
    "load_paths",
]
