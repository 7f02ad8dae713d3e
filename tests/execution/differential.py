"""The differential property: the fast path answers exactly as graphql-core's reference.

The server's schema (``build_schema()``: whole-operation projections, object plans, fast
resolvers) and the reference (``build_schema(compiled=False)``: graphql-core walks every
field) run the same request on the same database. ``Answer`` is what one run gave and
``assert_same_answer`` what must hold between the two: equal data as ordered JSON text,
equal errors (message, path and ``extensions.code``), and no more SQL statements on the
fast path than on the reference.

``lifted_requests`` turns a fixed document (a README example, an ``examples/``
operation, a bench scenario) into requests with random variables: the variables it
declares get values drawn for their type and name (page sizes, cursors, filters, sort
keys, slugs of the database, and now and then invalid ones), and the literal arguments
of its lists (``first``, ``after``, ``filter``, ``orderBy``, ...) are moved into new
variables, or such arguments added, so that one document is run with many pages, orders
and filters at every level.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import graphql
from graphql import language as ast
from hypothesis import strategies as st

from gql.graph.context import Context
from gql.graph.schema import GqlSchema
from gql.settings import Settings
from gql.store import Store
from tests.fuzzing import SCHEMA, Request, Samples, scalar_strategies

Error = tuple[str, list[str | int] | None, str | None]
"""An error as a client compares it: message, path, ``extensions.code``."""


@dataclass(frozen=True)
class Answer:
    """What one run gave: data as JSON text, errors, and the SQL statements it issued."""

    data: str
    errors: list[Error]
    statements: int

    def comparable(self) -> tuple[Any, ...]:
        """What must be equal between the two paths (statements apart: ``statements_bound``).

        Data always, as JSON text (key order counts: graphql-core writes keys in selection
        order). Errors that stay where they were raised (their field is nullable: its
        path leads to a null in the data), in any order: fields complete concurrently.
        An error in a non-null field nulls its parent, and graphql-core then answers with
        the errors of whichever siblings finished first: only errors before execution
        (no path) are certain.
        """
        data = json.loads(self.data)
        settled = all(path is not None and _leads_to_null(data, path) for _, path, _ in self.errors)
        errors = (
            sorted(self.errors, key=repr) if settled else [e for e in self.errors if e[1] is None]
        )
        return self.data, settled, errors, bool(self.errors)

    def statements_bound(self) -> int | None:
        """The statement count another path may not exceed; None when the run had errors
        (a failed field leaves its siblings running in the background, or not)."""
        return None if self.errors else self.statements


def _leads_to_null(data: Any, path: list[str | int]) -> bool:
    for key in path:
        if isinstance(data, dict) and isinstance(key, str) and key in data:
            data = data[key]
        elif isinstance(data, list) and isinstance(key, int) and key < len(data):
            data = data[key]
        else:
            return False
    return data is None


async def answer(
    schema: GqlSchema, store: Store, request: Request, *, statements: bool = True
) -> Answer:
    """Run ``request`` through ``schema`` on ``store`` with a fresh context, as a server
    does (``statements``: whole queries in one SQL statement where they can be)."""
    context = Context.for_request(store, Settings(whole_statements=statements))
    result = await schema.execute(
        request.query, variable_values=request.variables, context_value=context
    )
    errors = [
        (error.message, error.path, (error.extensions or {}).get("code"))
        for error in result.errors or []
    ]
    statements = context.query_log.statements if context.query_log else -1
    return Answer(json.dumps(result.data), errors, statements)


def assert_same_answer(got: Answer, expected: Answer) -> None:
    """The fast path's answer ``got`` is the reference's ``expected``, with no more SQL."""
    assert got.comparable() == expected.comparable()
    bound = expected.statements_bound()
    if bound is not None:
        assert got.statements <= bound, f"{got.statements} statements, the reference {bound}"


# --- random variables -----------------------------------------------------------------

LIST_ARGUMENTS = ("first", "last", "after", "before", "filter", "orderBy")
"""Arguments of article lists moved into variables, or added, by ``lifted_requests``."""


def _values(samples: Samples) -> dict[str, st.SearchStrategy[Any]]:
    """Python values (as JSON variables carry them) per custom scalar of the generation
    schema (``tests.fuzzing.scalar_strategies``, whose values are syntax nodes)."""
    return {
        name: strategy.map(graphql.value_from_ast_untyped)
        for name, strategy in scalar_strategies(samples).items()
    }


# Variables and arguments whose name says what they hold: -> a strategy of ``_values``.
BY_NAME = {
    "first": "PageSize",
    "last": "PageSize",
    "n": "PageSize",
    "after": "Cursor",
    "before": "Cursor",
    "slug": "ArticleSlug",
    "domain": "Domain",
    "id": "GlobalId",
    "ids": "GlobalId",
    "query": "SearchText",
    "q": "SearchText",
    "url": "ArticleUrl",
    "name": "TopicName",
    "since": "DateTime",
    "topics": "TopicName",
}


VALID_DATES = st.datetimes(
    min_value=datetime(2010, 1, 1), max_value=datetime(2026, 1, 1), timezones=st.just(UTC)
).map(lambda moment: moment.isoformat())


def _mostly(common: st.SearchStrategy[Any], rare: st.SearchStrategy[Any]) -> Any:
    """``common`` about nine times in ten, else ``rare`` (not on 0, which hypothesis draws
    for its first, simplest examples: those should find data)."""
    return st.integers(0, 9).flatmap(lambda n: rare if n == RARE else common)


RARE = 7
"""The draw of ``integers(0, n)`` that picks the rare branch."""


def _value_of(
    type_: graphql.GraphQLInputType,
    name: str,
    samples: Samples,
    depth: int = 0,
    text: str | None = None,
) -> st.SearchStrategy[Any]:
    """Values of ``type_`` for a variable or input field called ``name``: mostly ones that
    find data, now and then null where the type allows it, or an invalid value.
    ``text``: the strategy of ``_values`` for the strings inside (a ``StringFilter``'s)."""
    if isinstance(type_, graphql.GraphQLNonNull):
        return _value(type_.of_type, name, samples, depth, text)
    return _mostly(_value(type_, name, samples, depth, text), st.none())


def _value(
    type_: graphql.GraphQLNullableType,
    name: str,
    samples: Samples,
    depth: int,
    text: str | None,
) -> st.SearchStrategy[Any]:
    values = _values(samples)
    if isinstance(type_, graphql.GraphQLList):
        return st.lists(_value_of(type_.of_type, name, samples, depth, text), max_size=3)
    if isinstance(type_, graphql.GraphQLEnumType):
        invalid = st.sampled_from(("NEWEST", "heat_desc", 1))
        return _mostly(st.sampled_from(sorted(type_.values)), invalid)
    if isinstance(type_, graphql.GraphQLInputObjectType):
        if depth > 2:
            return st.just({})
        inner = "FilterText" if type_.name == "StringFilter" else None
        children = {
            key: _value_of(field.type, key, samples, depth + 1, inner)
            for key, field in sorted(type_.fields.items())
        }
        # A few conditions at a time: with many, almost nothing matches.
        keys = st.lists(st.sampled_from(sorted(children)), max_size=2, unique=True)
        return keys.flatmap(lambda some: st.fixed_dictionaries({k: children[k] for k in some}))
    assert isinstance(type_, graphql.GraphQLScalarType)
    scalar = text if text is not None and type_.name == "String" else BY_NAME.get(name)
    if scalar is not None:
        return values[scalar]
    named = type_.name
    if named == "DateTime":  # inside a filter, valid ones: an invalid one fails it all
        return VALID_DATES if depth else values[named]
    if named == "Int":
        return _mostly(st.integers(0, 30), st.integers(-(2**40), 2**40))
    if named == "Float":
        return st.floats(allow_nan=False, min_value=-10, max_value=10)
    if named == "Boolean":
        return st.booleans()
    if named == "ID":
        return values["GlobalId"]
    return st.text(max_size=12)


def _declared_variables(
    draw: st.DrawFn, operation: ast.OperationDefinitionNode, samples: Samples
) -> dict[str, Any]:
    """Values for the variables ``operation`` declares (some left out: defaults, or the
    error a missing non-null variable gives)."""
    variables: dict[str, Any] = {}
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        type_ = graphql.type_from_ast(SCHEMA, definition.type)
        assert graphql.is_input_type(type_), name
        if draw(st.integers(0, 19)) == RARE:  # a default, or the error of a missing one
            continue
        variables[name] = draw(_value_of(type_, name, samples), label=name)
    return variables


class _Lifter(graphql.Visitor):
    """Moves literal list arguments into variables, and adds some absent ones."""

    def __init__(self, draw: st.DrawFn, type_info: graphql.TypeInfo, samples: Samples) -> None:
        super().__init__()
        self.draw = draw
        self.type_info = type_info
        self.samples = samples
        self.variables: dict[str, Any] = {}
        self.definitions: list[ast.VariableDefinitionNode] = []

    def _variable(self, argument: graphql.GraphQLArgument, name: str) -> ast.VariableNode:
        variable = f"lifted{len(self.definitions)}"
        self.definitions.append(
            ast.VariableDefinitionNode(
                variable=ast.VariableNode(name=ast.NameNode(value=variable)),
                type=graphql.parse_type(str(argument.type)),
                directives=(),
            )
        )
        self.variables[variable] = self.draw(
            _value_of(argument.type, name, self.samples), label=variable
        )
        return ast.VariableNode(name=ast.NameNode(value=variable))

    def enter_field(self, node: ast.FieldNode, *_: Any) -> Any:
        field = self.type_info.get_field_def()
        if field is None:
            return None
        given = {argument.name.value: argument for argument in node.arguments or ()}
        arguments = []
        for name, argument in field.args.items():
            if name not in LIST_ARGUMENTS:
                if name in given:
                    arguments.append(given[name])
                continue
            choice = self.draw(st.integers(0, 5))
            if name in given:
                if choice < 3 or isinstance(given[name].value, ast.VariableNode):
                    arguments.append(given[name])
                else:
                    value = self._variable(argument, name)
                    arguments.append(replace(given[name], value=value))
            elif choice == 0 and (name not in ("last", "before") or self.draw(st.booleans())):
                arguments.append(
                    ast.ArgumentNode(
                        name=ast.NameNode(value=name), value=self._variable(argument, name)
                    )
                )
        return replace(node, arguments=tuple(arguments))


@st.composite
def lifted_requests(draw: st.DrawFn, document: str, samples: Samples) -> Request:
    """``document`` (one query operation) with random variables, see the module's docstring."""
    parsed = graphql.parse(document)
    type_info = graphql.TypeInfo(SCHEMA)
    lifter = _Lifter(draw, type_info, samples)
    lifted = graphql.visit(parsed, graphql.TypeInfoVisitor(type_info, lifter))
    definitions = []
    variables: dict[str, Any] = {}
    for definition in lifted.definitions:
        if isinstance(definition, ast.OperationDefinitionNode):
            variables = _declared_variables(draw, definition, samples)
            declared = (*(definition.variable_definitions or ()), *lifter.definitions)
            definition = replace(definition, variable_definitions=declared)
        definitions.append(definition)
    variables.update(lifter.variables)
    return Request(graphql.print_ast(replace(lifted, definitions=tuple(definitions))), variables)
