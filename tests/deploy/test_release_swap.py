"""A new release renamed over the served file, seen through the HTTP edge in one process:
answers, ETags and the response cache all follow it, although both releases have the
same data version (1): only their release ids tell them apart."""

from __future__ import annotations

import asyncio
import shutil
import time
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from gql.app import create_app
from gql.settings import Settings
from gql.sync import load_into
from tests.conftest import SEEDS
from tests.deploy.releases import B_TITLE, EDITED, QUERY, Release, build, build_both, publish
from tests.http.bodies import without_cost


@pytest.fixture(scope="module")
def releases(tmp_path_factory: pytest.TempPathFactory) -> tuple[Release, Release]:
    return build_both(tmp_path_factory.mktemp("releases"))


def get(client: TestClient, **headers: str) -> httpx.Response:
    return client.get("/graphql", params={"query": QUERY}, headers=headers)


def wait_for_release(client: TestClient, release_id: str) -> None:
    """Poll /readyz until it names ``release_id`` (the watcher checks every 20 ms here;
    polled, not timed: the bound only keeps a broken switch from hanging the test)."""
    deadline = time.monotonic() + 30
    while client.get("/readyz").json().get("release") != release_id:
        assert time.monotonic() < deadline, "the new release was never served"
        time.sleep(0.02)


def test_answers_etags_and_the_response_cache_follow_a_new_release(
    releases: tuple[Release, Release], tmp_path: Path
) -> None:
    a, b = releases
    served = tmp_path / "srv" / "gql.db"
    served.parent.mkdir()
    publish(a, served)
    settings = Settings(db_path=served, immutable=True, release_check_ms=20)
    with TestClient(create_app(settings)) as client:
        first = get(client)
        assert without_cost(first.json()) == {"data": a.data}
        assert first.headers["x-gql-cache"] == "miss"
        assert get(client).headers["x-gql-cache"] == "hit"
        etag = first.headers["etag"]
        assert get(client, **{"if-none-match": etag}).status_code == 304

        publish(b, served)
        wait_for_release(client, b.release_id)
        after = get(client, **{"if-none-match": etag})
        assert after.status_code == 200
        assert without_cost(after.json()) == {"data": b.data}
        assert after.headers["x-gql-cache"] == "miss"
        assert after.headers["etag"] != etag
        ready = client.get("/readyz").json()
        assert ready["dataVersion"] == a.data_version == b.data_version
    assert not served.with_name("gql.db-wal").exists()
    assert not served.with_name("gql.db-shm").exists()


def test_an_open_subscription_reads_each_event_from_the_release_current_then(
    tmp_path: Path,
) -> None:
    """A subscription opened on one release gets the change of the next release, built
    from it by one more load, and the event's fields come from the next release's file,
    not from the one it subscribed on: no WebSocket keeps an old file leased."""
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    first = build(seeds, tmp_path / "first.db")
    edited = seeds / "articles" / EDITED
    original = str(first.data["article"]["title"])
    edited.write_text(edited.read_text(encoding="utf-8").replace(original, B_TITLE, 1))
    # The next release: the first one's file, and the edit loaded into it.
    next_db = tmp_path / "next.db"
    shutil.copyfile(first.db, next_db)
    assert asyncio.run(load_into(next_db, [seeds])).rejected == []
    served = tmp_path / "srv" / "gql.db"
    served.parent.mkdir()
    publish(first, served)
    settings = Settings(db_path=served, immutable=True, release_check_ms=20)
    subscription = "subscription { articleChanged { kind article { title } } }"
    with TestClient(create_app(settings)) as client:
        with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
            ws.send_json({"type": "connection_init"})
            assert ws.receive_json()["type"] == "connection_ack"
            ws.send_json({"type": "subscribe", "id": "1", "payload": {"query": subscription}})
            ws.send_json({"type": "ping"})
            assert ws.receive_json()["type"] == "pong"  # subscribed
            publish(Release(next_db, first.data), served)
            event = ws.receive_json()
            ws.send_json({"type": "complete", "id": "1"})
            ws.close()
    assert event["payload"]["data"] == {
        "articleChanged": {"kind": "UPDATED", "article": {"title": B_TITLE}}
    }
