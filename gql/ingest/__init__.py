"""Ingest: seed files to frozen records. Knows frontmatter and YAML, nothing of SQL or GraphQL."""

from gql.ingest.parse import discover_files, discover_paths, is_seed_file, parse_file

__all__ = ["discover_files", "discover_paths", "is_seed_file", "parse_file"]
