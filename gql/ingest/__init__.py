"""Ingest: seed files to frozen records. Knows frontmatter and YAML, nothing of SQL or GraphQL.

The stage in reading order: ``discovery`` (which files are records), ``limits`` (how much
one file may hold), ``text`` (bytes to text YAML accepts), ``frontmatter_yaml`` (YAML to
values, as PyYAML's safe loader gives them, within ``yaml_bounds``), ``parse`` (one file
to a ``ParsedFile``), ``articles`` and ``definitions`` (a mapping to its record, through
the typed readers of ``fields``), ``records`` (what the store is given). This facade is
what the other stages import.
"""

from gql.ingest.discovery import (
    Discovery,
    SeedFile,
    Skipped,
    discover_files,
    discover_paths,
    is_seed_file,
    is_under,
)
from gql.ingest.limits import DEFAULT_LIMITS, IngestLimits
from gql.ingest.parse import parse_file
from gql.ingest.records import (
    ArticleRecord,
    ImageRecord,
    OrganizationRecord,
    ParsedFile,
    ParsedRecord,
    ProviderRef,
    RelatedRecord,
    TopicRecord,
)

__all__ = [
    "DEFAULT_LIMITS",
    "ArticleRecord",
    "Discovery",
    "ImageRecord",
    "IngestLimits",
    "OrganizationRecord",
    "ParsedFile",
    "ParsedRecord",
    "ProviderRef",
    "RelatedRecord",
    "SeedFile",
    "Skipped",
    "TopicRecord",
    "discover_files",
    "discover_paths",
    "is_seed_file",
    "is_under",
    "parse_file",
]
