"""Edit-to-visible latency of ``gql serve --watch``: how long after a seed file is written
its change shows over HTTP, and reaches a subscription.

Generates a corpus (10k articles by default), serves it with ``--watch --workers 2``,
subscribes to ``articleChanged`` over WebSocket, then edits one article file per round
(its title gets a marker) and measures, from just before the write:

- ``http``: until ``article(url:)`` over HTTP (new connections, so either worker) shows
  the marker, polled every 2 ms;
- ``push``: until the subscription's event with the marker arrives;
- ``load``: the watcher's own load of each batch, as its log line says.

Rounds are spaced so that each edit is its own batch. Prints the medians and every value.
``--corpus DIR`` keeps the corpus (generated there when missing) and its database
(``--db``) between runs, so a 100k corpus is built and loaded once; ``--gql`` names the
``gql`` command to serve with (another checkout's, to compare side by side).

    python -m bench.live --articles 10000 --rounds 20
    python -m bench.live --articles 100000 --corpus /tmp/c100k --db /tmp/c100k.db
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import tempfile
import time
import urllib.request
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from websockets.asyncio.client import connect

from bench.generate import generate
from bench.servers import HOST, free_port, gql_command, running

QUERY = "query ($url: String) { article(url: $url) { title } }"
SUBSCRIPTION = "subscription { articleChanged { url article { title } } }"
TITLE = re.compile(r'^title: "(.*)"$', flags=re.M)
URL = re.compile(r'^webUrl: "?([^"\n]*)"?$', flags=re.M)
LOADED = re.compile(r"watch: loaded \d+ changed file\(s\) in ([0-9.]+) s")


def _title_over_http(base: str, url: str) -> str | None:
    request = urllib.request.Request(
        f"{base}/graphql",
        data=json.dumps({"query": QUERY, "variables": {"url": url}}).encode(),
        headers={"content-type": "application/json", "accept": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        article = json.loads(response.read())["data"]["article"]
    return None if article is None else str(article["title"])


async def _measure(base: str, files: list[Path], rounds: int) -> dict[str, list[float]]:
    found: dict[str, list[float]] = {"http": [], "push": []}
    run = os.getpid()  # markers of earlier runs may still be in a kept corpus
    ws_url = base.replace("http://", "ws://") + "/graphql"
    async with connect(ws_url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init"}))
        await ws.recv()
        payload = {"query": SUBSCRIPTION}
        await ws.send(json.dumps({"type": "subscribe", "id": "1", "payload": payload}))
        await ws.send(json.dumps({"type": "ping"}))
        while json.loads(await ws.recv())["type"] != "pong":
            pass
        for round_ in range(rounds):
            path = files[round_ % len(files)]
            text = path.read_text(encoding="utf-8")
            match = URL.search(text)
            assert match is not None, path
            url, marker = match.group(1).strip(), f"~live{run}-{round_}~"
            title = TITLE.search(text)
            assert title is not None, path
            edited = text.replace(title.group(0), f'title: "{title.group(1)} {marker}"', 1)
            started = time.perf_counter()
            path.write_text(edited, encoding="utf-8")
            push = asyncio.create_task(_pushed(ws, marker))
            while marker not in (await asyncio.to_thread(_title_over_http, base, url) or ""):
                await asyncio.sleep(0.002)
            found["http"].append(time.perf_counter() - started)
            found["push"].append(await push - started)
            await asyncio.sleep(0.3)  # the next edit is its own batch
    return found


async def _pushed(ws: Any, marker: str) -> float:
    while True:
        message = json.loads(await ws.recv())
        article = (message.get("payload") or {}).get("data", {}).get("articleChanged", {})
        if marker in ((article.get("article") or {}).get("title") or ""):
            return time.perf_counter()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--articles", type=int, default=10_000, help="corpus size")
    parser.add_argument("--rounds", type=int, default=20, help="edits to time")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers")
    parser.add_argument("--corpus", type=Path, help="keep the corpus here (made when missing)")
    parser.add_argument("--db", type=Path, help="keep its database here (with --corpus)")
    parser.add_argument("--gql", help="the gql command to serve with (default: this one's)")
    args = parser.parse_args(argv)
    with ExitStack() as stack:
        root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="gql-live-")))
        corpus = args.corpus or root / "corpus"
        if not (corpus / "articles").exists():
            generate(args.articles, corpus, seed=5)
        db = args.db or root / "gql.db"
        files = sorted((corpus / "articles").glob("*.md"))[: args.rounds]
        port = free_port()
        gql = [args.gql] if args.gql else gql_command()
        command = [*gql, "serve", "--db", str(db), "--port", str(port)]
        command += ["--seeds", str(corpus), "--watch", "--workers", str(args.workers)]
        base = f"http://{HOST}:{port}"
        with running(
            "gql --watch",
            command,
            port=port,
            path="/graphql",
            ready_path="/healthz",
            log_path=root / "serve.log",
            timeout_s=600,
            startups=args.workers,
        ):
            found = asyncio.run(_measure(base, files, args.rounds))
        # The edits' loads: after the one at start-up, which ends with "watching".
        log = (root / "serve.log").read_text(errors="replace").split("watch: watching", 1)[-1]
        found["load"] = [float(seconds) for seconds in LOADED.findall(log)]
        walks = re.findall(r"watch: walked the folders: (.*)", log)
    for name, values in found.items():
        if not values:
            continue
        shown = ", ".join(f"{v * 1000:.0f}" for v in values)
        print(f"{name}: median {statistics.median(values) * 1000:.0f} ms ({shown})")
    for reason in walks:
        print(f"a batch walked the folders: {reason}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
