"""Helpers for comparing GraphQL response bodies in HTTP tests."""

from __future__ import annotations

from typing import Any


def without_cost(body: dict[str, Any]) -> dict[str, Any]:
    """``body`` without ``extensions.cost`` (on every answer; tested in tests/graph/test_cost.py),
    and without ``extensions`` when nothing else is left in it."""
    extensions = {k: v for k, v in body.get("extensions", {}).items() if k != "cost"}
    rest = {k: v for k, v in body.items() if k != "extensions"}
    return {**rest, "extensions": extensions} if extensions else rest
