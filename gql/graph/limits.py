"""The size and shape of a query document, measured before it is validated, and the limits
it must keep.

Parsing is itself work: graphql-core's parser takes ~8 us a token, so a document of
10,000 tokens held the event loop for 85 ms before the token limit stopped it, and one
just under it for 35 ms before its aliases were counted. ``check_tokens`` looks at the
text first, with one regular expression (C speed) and a loop over the tokens it finds:
their number (exactly graphql-core's count), and from the braces and colons outside
arguments, lower bounds of the depth and the aliases (a fragment's spreads can only add
to them). A query over one of those is refused without being parsed.

Validation itself can be the attack: graphql-core's rules walk every fragment spread
expanded, and compare repeated fields pairwise, so a few kilobytes can hold a worker for
minutes (``tests/graph/test_limits.py`` builds such documents). ``measure_document`` counts
in one pass over each definition, each fragment summarised once and reused wherever it
is spread, so its cost is linear in the document's length whatever the document expands
to. Counts saturate at ``SATURATED``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)

from gql.errors import LimitExceeded
from gql.settings import Settings

SATURATED = 10**15
"""Counts stop growing here: past any limit, and still exact in a JSON number."""

# GraphQL's lexical tokens (spec 2.1) as graphql-core's parser counts them, comments
# included, one a match: what is ignored before it (white space, commas, the BOM), then
# the token as the group: a comment, a block string, a string, the spread, a number, a
# name, or any other single character (a punctuator, or a character the parser will
# refuse); or the end (an empty group). Alternatives exclude each other: linear time.
_LEXER = re.compile(
    r"[\s,\ufeff]*"
    r'(?:(#[^\n\r]*|"""(?:[^"\\]|\\.|"(?!""))*"""|"(?:[^"\\\n\r]|\\.)*"'
    r"|\.\.\.|-?\d[\w.+-]*|[_A-Za-z]\w*|[^\s,])|\Z)"
)
# After ``...``, these begin an inline fragment, whose braces add no level of fields.
_INLINE_FRAGMENT = frozenset({"on", "@", "{"})


@dataclass(frozen=True)
class Measures:
    """What a document holds, every fragment spread expanded where it is spread."""

    operations: int
    depth: int
    """The most fields nested in one another (``{ a { b } }`` is 2)."""
    fields: int
    aliases: int
    root_fields: int
    """The most fields at the top of one operation."""
    directives: int
    fragment_spreads: int
    fragment_cycle: str | None = None
    """A fragment that spreads itself, directly or not (the others are then not measured)."""


@dataclass(frozen=True)
class _Summary:
    fields: int = 0
    depth: int = 0
    aliases: int = 0
    top_fields: int = 0
    directives: int = 0
    spreads: int = 0


_EMPTY = _Summary()


def _add(a: int, b: int) -> int:
    return min(a + b, SATURATED)


def _summarize(selection_set: SelectionSetNode, fragments: dict[str, _Summary]) -> _Summary:
    """One selection set, with the summaries of the fragments it spreads already known."""
    fields = depth = aliases = top = directives = spreads = 0
    for selection in selection_set.selections:
        directives += len(selection.directives or ())
        if isinstance(selection, FieldNode):
            inner = (
                _summarize(selection.selection_set, fragments)
                if selection.selection_set
                else _EMPTY
            )
            fields = _add(fields, 1 + inner.fields)
            top += 1
            depth = max(depth, 1 + inner.depth)
            aliases += selection.alias is not None
        else:
            if isinstance(selection, InlineFragmentNode):
                inner = _summarize(selection.selection_set, fragments)
            else:
                assert isinstance(selection, FragmentSpreadNode)
                spreads += 1
                inner = fragments.get(selection.name.value, _EMPTY)
            fields = _add(fields, inner.fields)
            top = _add(top, inner.top_fields)
            depth = max(depth, inner.depth)
        aliases = _add(aliases, inner.aliases)
        directives = _add(directives, inner.directives)
        spreads = _add(spreads, inner.spreads)
    return _Summary(fields, depth, aliases, top, directives, spreads)


def _spread_names(selection_set: SelectionSetNode) -> set[str]:
    names: set[str] = set()
    pending = [selection_set]
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FragmentSpreadNode):
                names.add(selection.name.value)
            elif isinstance(selection, FieldNode | InlineFragmentNode) and selection.selection_set:
                pending.append(selection.selection_set)
    return names


def _fragment_order(
    definitions: dict[str, FragmentDefinitionNode],
) -> tuple[list[str], str | None]:
    """Fragments in an order where each comes after those it spreads, or a cycle's member.

    Iterative, so that a long chain of fragments spreading the next cannot exhaust the
    interpreter's recursion limit.
    """
    spreads = {
        name: _spread_names(d.selection_set) & definitions.keys() for name, d in definitions.items()
    }
    order: list[str] = []
    done: set[str] = set()
    for root in definitions:
        if root in done:
            continue
        path = [root]
        on_path = {root}
        stack = [iter(sorted(spreads[root]))]
        while stack:
            name = next(stack[-1], None)
            if name is None:
                stack.pop()
                finished = path.pop()
                on_path.discard(finished)
                done.add(finished)
                order.append(finished)
            elif name in on_path:
                return order, name
            elif name not in done:
                path.append(name)
                on_path.add(name)
                stack.append(iter(sorted(spreads[name])))
    return order, None


def measure_document(document: DocumentNode) -> Measures:
    """Count what ``document`` holds (see ``Measures``), in time linear in its length."""
    definitions = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    order, cycle = _fragment_order(definitions)
    if cycle is not None:
        return Measures(len(operations), 0, 0, 0, 0, 0, 0, fragment_cycle=cycle)
    fragments: dict[str, _Summary] = {}
    for name in order:
        fragments[name] = _summarize(definitions[name].selection_set, fragments)
    depth = fields = aliases = root_fields = directives = spreads = 0
    for operation in operations:
        summary = _summarize(operation.selection_set, fragments)
        depth = max(depth, summary.depth)
        fields = _add(fields, summary.fields)
        aliases = _add(aliases, summary.aliases)
        root_fields = max(root_fields, summary.top_fields)
        directives = _add(directives, _add(summary.directives, len(operation.directives or ())))
        spreads = _add(spreads, summary.spreads)
    return Measures(len(operations), depth, fields, aliases, root_fields, directives, spreads)


@dataclass(frozen=True)
class Limit:
    """One limit: its error code, the ``Settings`` field holding it, and how to say it."""

    code: str
    setting: str
    what: str
    unit: str
    advice: str

    def error(self, found: int | None, settings: Settings) -> LimitExceeded:
        """The error for a query at ``found`` (None: not known, only that it is over)."""
        limit: int = getattr(settings, self.setting)
        return LimitExceeded(
            self.code, what=self.what, found=found, limit=limit, unit=self.unit, advice=self.advice
        )

    def check(self, found: int, settings: Settings) -> None:
        """Raise ``LimitExceeded`` when ``found`` is over this limit in ``settings``."""
        if found > getattr(settings, self.setting):
            raise self.error(found, settings)


QUERY_TOO_LONG = Limit(
    "QUERY_TOO_LONG",
    "max_query_chars",
    "the query is too long",
    "characters",
    "send a shorter document",
)
TOO_MANY_TOKENS = Limit(
    "TOO_MANY_TOKENS",
    "max_tokens",
    "the query has too many tokens",
    "tokens",
    "send a shorter document",
)
TOO_MANY_OPERATIONS = Limit(
    "TOO_MANY_OPERATIONS",
    "max_operations",
    "the document has too many operations",
    "operations",
    "send only the operations you run",
)
QUERY_TOO_DEEP = Limit(
    "QUERY_TOO_DEEP",
    "max_depth",
    "the query is nested too deeply",
    "levels of fields",
    "ask for fewer nested levels",
)
TOO_MANY_FIELDS = Limit(
    "TOO_MANY_FIELDS",
    "max_fields",
    "the query selects too many fields",
    "fields with its fragments expanded",
    "select fewer fields",
)
TOO_MANY_ALIASES = Limit(
    "TOO_MANY_ALIASES",
    "max_aliases",
    "the query has too many aliases",
    "aliases",
    "use fewer aliases (variables and several requests instead)",
)
TOO_MANY_ROOT_FIELDS = Limit(
    "TOO_MANY_ROOT_FIELDS",
    "max_root_fields",
    "an operation has too many top-level fields",
    "fields",
    "split it into several requests",
)
TOO_MANY_DIRECTIVES = Limit(
    "TOO_MANY_DIRECTIVES",
    "max_directives",
    "the query has too many directives",
    "directives",
    "use fewer directives",
)
TOO_MANY_FRAGMENT_SPREADS = Limit(
    "TOO_MANY_FRAGMENT_SPREADS",
    "max_fragment_spreads",
    "the query spreads fragments too often",
    "spreads with nested spreads expanded",
    "use fewer fragments, or fragments that spread fewer others",
)
TOO_MANY_REPEATED_FIELDS = Limit(
    "TOO_MANY_REPEATED_FIELDS",
    "max_field_repeats",
    "one field is selected too often",
    "selections at one place in the response",
    "select each field once at each place",
)
QUERY_TOO_COMPLEX = Limit(
    "QUERY_TOO_COMPLEX",
    "max_cost",
    "the query may return too many objects",
    "objects",
    "ask for smaller pages (first/last) or fewer nested lists",
)

# Checked in this order, after the number of operations and fragment cycles.
_SHAPE_LIMITS: tuple[tuple[str, Limit], ...] = (
    ("depth", QUERY_TOO_DEEP),
    ("fields", TOO_MANY_FIELDS),
    ("aliases", TOO_MANY_ALIASES),
    ("root_fields", TOO_MANY_ROOT_FIELDS),
    ("directives", TOO_MANY_DIRECTIVES),
    ("fragment_spreads", TOO_MANY_FRAGMENT_SPREADS),
)


def check_measures(measures: Measures, settings: Settings) -> None:
    """Raise ``LimitExceeded`` for the first limit ``measures`` break, a validation error
    for a fragment cycle; nothing when the document is within every limit."""
    TOO_MANY_OPERATIONS.check(measures.operations, settings)
    if measures.fragment_cycle is not None:
        # What graphql-core's NoFragmentCycles rule says, without expanding the cycle.
        raise GraphQLError(
            f"Cannot spread fragment '{measures.fragment_cycle}' within itself.",
            extensions={"code": "GRAPHQL_VALIDATION_FAILED"},
        )
    for attribute, limit in _SHAPE_LIMITS:
        limit.check(getattr(measures, attribute), settings)


def check_tokens(query: str, settings: Settings) -> None:
    """Raise ``LimitExceeded`` for a query whose text alone is over the token limit, or
    holds more levels of fields or more aliases than allowed (module docstring), saying
    how many it read up to the first one over; nothing otherwise, whether or not the
    query parses."""
    tokens: list[str] = _LEXER.findall(query)
    while tokens and not tokens[-1]:
        tokens.pop()  # the end (matched after the last token, and then empty)
    TOO_MANY_TOKENS.check(len(tokens), settings)
    max_depth, max_aliases = settings.max_depth, settings.max_aliases
    depth = aliases = parentheses = 0
    counted: list[bool] = []  # per open brace: whether it opened a level of fields
    inline = spread = False
    for token in tokens:
        if token[0] == "#":
            continue  # a comment: counted, and nothing more
        if parentheses:  # arguments and variables: values, never selections
            if token == "(":
                parentheses += 1
            elif token == ")":
                parentheses -= 1
            continue
        if spread:
            spread = False
            inline = token in _INLINE_FRAGMENT
        if token == "{":
            counted.append(not inline)
            if not inline:
                depth += 1
                if depth > max_depth:  # no need to read on: the rest can only add
                    raise QUERY_TOO_DEEP.error(depth, settings)
            inline = False
        elif token == "}":
            if counted and counted.pop():
                depth -= 1
        elif token == "(":
            parentheses = 1
        elif token == "...":
            spread = True
        elif token == ":" and counted:
            aliases += 1  # outside arguments, a colon follows an alias
            if aliases > max_aliases:
                raise TOO_MANY_ALIASES.error(aliases, settings)


# graphql-core's parser reports its own limits as syntax errors with these messages
# (graphql/language/parser.py, 3.3: max_tokens, and its fixed nesting limit of 200).
_TOKENS_MESSAGE = "Document contains more than"
_NESTING_MESSAGE = "Document is nested too deeply."


def limit_of_syntax_error(error: GraphQLError, settings: Settings) -> LimitExceeded | None:
    """Our limit error for a parser error that is one of the parser's limits, else None."""
    if _TOKENS_MESSAGE in error.message:
        return TOO_MANY_TOKENS.error(None, settings)
    if _NESTING_MESSAGE in error.message:
        return QUERY_TOO_DEEP.error(None, settings)
    return None
