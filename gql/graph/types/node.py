"""The ``Node`` interface: objects with a stable, opaque global ID (Relay).

Articles, providers and topics implement it (``gql.graph.ids`` builds the IDs on their
stable keys, so IDs survive a rebuild); ``node(id:)`` and ``nodes(ids:)`` of the Query
root look them up.
"""

from __future__ import annotations

import strawberry


@strawberry.interface(description="An object with a stable, opaque global ID (Relay).")
class Node:
    @strawberry.field(description="Opaque global ID; stable across reloads of the corpus.")
    def id(self) -> strawberry.ID:
        raise NotImplementedError  # every implementing type declares its own
