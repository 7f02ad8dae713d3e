"""The graph: the GraphQL schema over the store, in Strawberry types.

Knows GraphQL and reaches the store only through the request's DataLoaders
(``gql.loaders``) and the few list reads of the Query root; it writes no SQL.
``schema.build_schema`` assembles the schema the HTTP view serves.
"""
