"""The SQLite store: schema, the connection-owning ``Store``, batch reads and load writes.

Knows SQL and nothing of GraphQL. ``queries`` holds every read, ``write`` the load writer.
"""

from gql.store.database import QueryLog, Store, recording_queries

__all__ = ["QueryLog", "Store", "recording_queries"]
