"""examples/*.graphql: one named operation per screen, shown in the README, answering
what the seed files hold when sent to a real server (expectations: ``expected``)."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
from graphql import OperationDefinitionNode, parse

from tests.conftest import REPO
from tests.tooling.expected import CHECKS, OPERATIONS, VARIABLES

README = (REPO / "README.md").read_text(encoding="utf-8")
SCREENS = {"FrontPage", "ArticlePage", "TopicPage", "ProviderPage", "SearchPage", "NodeRefetch"}


def test_every_screen_has_an_example_with_variables_and_a_check() -> None:
    assert set(OPERATIONS) >= SCREENS
    assert set(OPERATIONS) == set(VARIABLES) == set(CHECKS)


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_a_file_holds_one_operation_named_as_the_file(name: str) -> None:
    definitions = parse(OPERATIONS[name]).definitions
    operations = [d for d in definitions if isinstance(d, OperationDefinitionNode)]
    assert [(op.operation.value, op.name and op.name.value) for op in operations] == [
        ("query", name)
    ]


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_the_readme_shows_the_example_and_its_variables(name: str) -> None:
    block = f"```graphql\n{OPERATIONS[name]}```\n"
    assert block in README, f"README.md does not show examples/{name}.graphql as it is"
    after = README[README.index(block) + len(block) :]
    variables = re.match(r"\s*```json\n(.*?)```", after, flags=re.DOTALL)
    assert variables, f"no ```json block of variables after {name} in README.md"
    assert json.loads(variables.group(1)) == VARIABLES[name]


def test_the_readme_has_no_anonymous_operation() -> None:
    for block in re.findall(r"```graphql\n(.*?)```", README, flags=re.DOTALL):
        for definition in parse(block).definitions:
            if isinstance(definition, OperationDefinitionNode):
                assert definition.name is not None, block


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_the_example_answers_what_the_seeds_hold(server: str, name: str) -> None:
    body: dict[str, Any] = {
        "query": OPERATIONS[name],
        "operationName": name,
        "variables": VARIABLES[name],
    }
    response = httpx.post(server, json=body, timeout=30)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert "errors" not in answer, answer["errors"]
    CHECKS[name](answer["data"])
