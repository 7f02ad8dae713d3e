"""The soak harness (``bench/soak.py``) in seconds: every kind of its mix is sent and
answered with the status the HTTP spec and the README give it, and nothing is a 5xx.

The minute-long run at 64 connections is not part of ``make test``; its figures are in
BENCHMARKS.md. No timing is asserted.
"""

from __future__ import annotations

from pathlib import Path

from bench import soak

# Statuses of the malformed requests (README, "HTTP"); the pages are queries that run.
EXPECTED = {
    "bad:json": {400},
    "bad:batch": {400},
    "bad:content_type": {415},
    "bad:huge_body": {413},
    "bad:method": {405},
}


def test_a_short_soak_sends_every_kind_and_gets_no_5xx(seeds_db: Path, tmp_path: Path) -> None:
    markdown = tmp_path / "BENCHMARKS.md"
    markdown.write_text("# Benchmarks\n\nText before.\n", encoding="utf-8")
    config = soak.Config(
        db=seeds_db,
        duration_s=2.0,
        connections=8,
        out_dir=tmp_path / "soak",
        markdown=markdown,
        command="python -m bench.soak --db seeds.db",
    )
    result = soak.soak(config)
    assert result["server_errors"] == 0 and result["transport_errors"] == 0
    assert result["server_alive"] and result["log_errors"] == []
    kinds = result["kinds"]
    assert set(kinds) == set(soak.WEIGHTS)
    for kind, summary in kinds.items():
        assert summary["requests"] > 0, kind
        if kind.startswith("page:"):
            assert set(summary["statuses"]) == {200} and summary["codes"] == {}, kind
        elif kind in EXPECTED:
            assert set(summary["statuses"]) == EXPECTED[kind], (kind, summary)
        else:  # over a limit: refused or run, but answered
            assert set(summary["statuses"]) <= {200, 400}, (kind, summary)
    assert len(result["rss_mb"]) == 2 and all(m["start"] > 0 for m in result["rss_mb"])
    section = soak.render(result)
    soak.write_markdown(markdown, section)
    soak.write_markdown(markdown, section)  # replaced, not appended again
    text = markdown.read_text(encoding="utf-8")
    assert text.startswith("# Benchmarks\n\nText before.\n")
    assert text.count(soak.START) == text.count(soak.END) == 1
    assert "python -m bench.soak --db seeds.db" in text
