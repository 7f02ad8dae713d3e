"""Sync: the ``gql load`` pipeline, which brings a database up to date with seed folders."""

from gql.sync.pipeline import LoadReport, is_stale, load_into, load_paths

__all__ = ["LoadReport", "is_stale", "load_into", "load_paths"]
