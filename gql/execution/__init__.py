"""Execution: how validated documents run fast, below the graph's types.

Compiled plans complete selection sets in one pass, fast resolvers replace Strawberry's
per-field wrapper where it adds nothing, and per-document caches keep what is derived
from a parsed query. ``compat`` is the one module that touches private parts of
Strawberry and graphql-core.
"""
