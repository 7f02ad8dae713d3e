"""Request rules of GraphQL itself that Strawberry leaves out, added to the served schema.

- GraphQL's GetOperation: a document with several operations runs only the one
  ``operationName`` names. Strawberry passes the first operation's name to graphql-core
  when the client gives none, so without this rule ``query A {...} query B {...}`` runs
  ``A``; the spec requires a request error (code ``OPERATION_RESOLUTION_FAILURE``).
- A document that does not parse gets ``extensions.code = GRAPHQL_PARSE_FAILED``: the
  syntax error escapes the operation before ``ErrorPolicy`` shapes anything.
- ``introspection=False`` adds graphql-core's ``NoSchemaIntrospectionCustomRule`` (via
  Strawberry's ``DisableIntrospection``): ``__schema`` and ``__type`` become validation
  errors. ``__typename`` still works, as clients rely on it.

These are validation-time rules, so ``DocumentCaching`` keeps their verdicts with the
document and a hot query pays nothing for them.
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import GraphQLError, GraphQLSyntaxError, OperationDefinitionNode
from strawberry import Schema
from strawberry.extensions import DisableIntrospection, SchemaExtension

PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
OPERATION_RESOLUTION_FAILURE = "OPERATION_RESOLUTION_FAILURE"


class OperationRules(SchemaExtension):
    """Require ``operationName`` for documents with several operations; code parse errors."""

    operation_named: bool = False

    def on_operation(self) -> Iterator[None]:
        # Before parsing, ``operation_name`` is exactly what the client sent: the
        # fallback to the document's first operation needs a parsed document.
        self.operation_named = self.execution_context.operation_name is not None
        try:
            yield
        except GraphQLSyntaxError as error:
            error.extensions = {**(error.extensions or {}), "code": PARSE_FAILED}
            raise

    def on_validate(self) -> Iterator[None]:
        # Before the yield: Strawberry reads the errors inside the validation hooks, so
        # an error set on the way out would come too late. DocumentCaching (earlier in
        # the list) has set the document's own errors by now.
        context = self.execution_context
        document = context.graphql_document
        if not (self.operation_named or context.pre_execution_errors or document is None):
            operations = sum(isinstance(d, OperationDefinitionNode) for d in document.definitions)
            if operations > 1:
                # A new list: the one there may be DocumentCaching's cached (empty) answer.
                context.pre_execution_errors = [
                    GraphQLError(
                        "Must provide operation name if query contains multiple operations.",
                        extensions={"code": OPERATION_RESOLUTION_FAILURE},
                    )
                ]
        yield


REQUEST_RULES: tuple[type[SchemaExtension], ...] = (OperationRules, DisableIntrospection)
"""The extensions ``add_request_rules`` may add: their whole effect is on validation (and
on parse errors), so a document validated once needs none of them again."""


def add_request_rules(schema: Schema, *, introspection: bool) -> None:
    """Add the rules above to ``schema`` (once, when the app is built)."""
    rules: list[type[SchemaExtension]] = [OperationRules]
    if not introspection:
        rules.append(DisableIntrospection)
    schema.extensions = (*schema.extensions, *rules)
