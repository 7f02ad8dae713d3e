"""graphql-codegen (typescript + typescript-operations) writes types for examples/, and
`tsc --strict --noEmit` passes on screens.ts, which uses them (its ``@ts-expect-error``
lines must each meet a real type error, so the types are known not to be ``any``)."""

from __future__ import annotations

from tests.tooling.toolchain import TOOLING, Node


def test_codegen_types_compile_strictly(node: Node) -> None:
    generated = TOOLING / "generated"
    for old in generated.glob("*.ts"):
        old.unlink()
    codegen = node.tool("graphql-codegen", "--config", "codegen.yml", "--silent")
    assert codegen.returncode == 0, codegen.stdout + codegen.stderr
    operations = (generated / "operations.ts").read_text(encoding="utf-8")
    for name in (
        "FrontPage",
        "ArticlePage",
        "TopicPage",
        "ProviderPage",
        "SearchPage",
        "NodeRefetch",
    ):
        assert f"export type {name}Query = " in operations
        assert f"export type {name}QueryVariables = " in operations
    tsc = node.tool("tsc", "-p", "tsconfig.json")
    assert tsc.returncode == 0, tsc.stdout + tsc.stderr
