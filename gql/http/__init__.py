"""The HTTP edge: GraphQL over HTTP by the spec, around the schema.

Request size limits, content negotiation, status codes and JSON error bodies, security
headers, GraphiQL and the response cache. Knows HTTP, not the graph's types.
"""
