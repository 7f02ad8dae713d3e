"""The limit options of ``gql serve``: tables, each row an option, the Settings field it
sets and the environment variable the workers read it from."""

from __future__ import annotations

import click

from gql.cli.common import F
from gql.settings import Settings

# `gql serve` options for the request limits: (option, Settings field, environment
# variable the workers read, help). Defaults and reasons are the Settings docstrings.
LIMIT_OPTIONS = (
    ("--max-query-chars", "max_query_chars", "GQL_MAX_QUERY_CHARS", "Characters of query text."),
    ("--max-tokens", "max_tokens", "GQL_MAX_TOKENS", "Lexical tokens of a query."),
    ("--max-depth", "max_depth", "GQL_MAX_DEPTH", "Levels of nested fields."),
    ("--max-fields", "max_fields", "GQL_MAX_FIELDS", "Fields, fragments expanded."),
    (
        "--max-field-repeats",
        "max_field_repeats",
        "GQL_MAX_FIELD_REPEATS",
        "Selections of one response field at one place.",
    ),
    ("--max-aliases", "max_aliases", "GQL_MAX_ALIASES", "Aliased fields."),
    ("--max-root-fields", "max_root_fields", "GQL_MAX_ROOT_FIELDS", "Top-level fields."),
    ("--max-directives", "max_directives", "GQL_MAX_DIRECTIVES", "Directive uses."),
    (
        "--max-fragment-spreads",
        "max_fragment_spreads",
        "GQL_MAX_FRAGMENT_SPREADS",
        "Fragment spreads, nested spreads expanded.",
    ),
    ("--max-operations", "max_operations", "GQL_MAX_OPERATIONS", "Operations in one document."),
    ("--max-cost", "max_cost", "GQL_MAX_COST", "Objects a query may return (requested cost)."),
    (
        "--max-response-bytes",
        "max_response_bytes",
        "GQL_MAX_RESPONSE_BYTES",
        "Bytes of JSON data in one answer.",
    ),
    (
        "--request-time-limit-ms",
        "request_time_limit_ms",
        "GQL_REQUEST_TIME_LIMIT_MS",
        "A request still running after this long is stopped (TIMEOUT).",
    ),
    (
        "--shutdown-grace-s",
        "shutdown_grace_s",
        "GQL_SHUTDOWN_GRACE_S",
        "On SIGTERM, in-flight requests get this long before the worker exits.",
    ),
)


# The bounds of subscriptions over WebSocket (``gql.http.websocket``), the same way.
SUBSCRIPTION_OPTIONS = (
    (
        "--subscriptions-per-connection",
        "subscriptions_per_connection",
        "GQL_SUBSCRIPTIONS_PER_CONNECTION",
        "Subscriptions one WebSocket connection may run at once.",
    ),
    (
        "--max-subscriptions",
        "max_subscriptions",
        "GQL_MAX_SUBSCRIPTIONS",
        "Subscriptions one worker runs at once, over all its connections.",
    ),
    (
        "--subscription-buffer-bytes",
        "subscription_buffer_bytes",
        "GQL_SUBSCRIPTION_BUFFER_BYTES",
        "Bytes a client may leave unread before its connection is closed (4413).",
    ),
    (
        "--subscription-queue-versions",
        "subscription_queue_versions",
        "GQL_SUBSCRIPTION_QUEUE_VERSIONS",
        "Data versions a subscription may fall behind before it is closed (4413).",
    ),
    (
        "--connection-init-timeout-ms",
        "connection_init_timeout_ms",
        "GQL_CONNECTION_INIT_TIMEOUT_MS",
        "A WebSocket without connection_init after this long is closed (4408).",
    ),
)


def limit_options(command: F) -> F:
    """The limit options of ``gql serve`` (``LIMIT_OPTIONS``, ``SUBSCRIPTION_OPTIONS``)."""
    defaults = Settings()
    for option, name, _, help_text in reversed((*LIMIT_OPTIONS, *SUBSCRIPTION_OPTIONS)):
        command = click.option(
            option,
            name,
            default=getattr(defaults, name),
            show_default=True,
            type=click.IntRange(min=1),
            help=help_text,
        )(command)
    return command
