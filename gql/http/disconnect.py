"""A request whose client has gone away stops: an ASGI wrapper that cancels the request's
task when the client disconnects before its answer is complete.

An ASGI server reports a disconnect only to an app that calls ``receive()`` again after
the body; the GraphQL view never does, so a request whose client had given up ran to its
end (issue "Hold under abuse": closing the client changed nothing). The cancellation
reaches the request's SQL too: a cancelled read is interrupted (``gql.store.database``).

Watching takes a task per request, so it starts only once a request has run for
``watch_after_s``: quick answers (a front page takes about a millisecond) never pay for
it. Once the watcher runs it is the only reader of ``receive``, and hands the app what it
reads (the rest of a body, the disconnect), so that no two reads ever wait at once.
"""

from __future__ import annotations

import asyncio
import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger("gql.http")

WATCH_AFTER_S = 0.05
"""Requests answered sooner are never watched: 50 times a front page's time."""


class _Watch:
    """One request's side of the connection: what the app reads and sends, and the watcher."""

    def __init__(self, receive: Receive, send: Send, task: asyncio.Task[object]) -> None:
        self._receive = receive
        self._send = send
        self._task = task
        self._reading = False
        self._messages: asyncio.Queue[Message] = asyncio.Queue()
        self.watcher: asyncio.Task[None] | None = None
        self.responded = False
        self.client_gone = False
        self.finished = False

    async def receive(self) -> Message:
        if self.watcher is None:
            self._reading = True
            try:
                return await self._receive()
            finally:
                self._reading = False
        if self.watcher.done() and self._messages.empty():
            return {"type": "http.disconnect"}
        return await self._messages.get()

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            self.responded = True  # from here on a disconnect is the normal end
        await self._send(message)

    def start(self) -> None:
        """Begin watching (the app is not reading at this moment, or watch it later)."""
        if self.responded or self.finished or self.watcher is not None:
            return
        if self._reading:
            asyncio.get_running_loop().call_later(WATCH_AFTER_S, self.start)
            return
        self.watcher = asyncio.get_running_loop().create_task(self._watch())

    async def _watch(self) -> None:
        while True:
            message = await self._receive()
            await self._messages.put(message)
            if message["type"] == "http.disconnect":
                if not self.responded:
                    self.client_gone = True
                    self._task.cancel()
                return


class CancelOnDisconnect:
    """Run ``app``, cancelling a request whose client disconnects before the answer ends."""

    def __init__(self, app: ASGIApp, *, watch_after_s: float = WATCH_AFTER_S) -> None:
        self.app = app
        self.watch_after_s = watch_after_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        task = asyncio.current_task()
        if scope["type"] != "http" or task is None:
            await self.app(scope, receive, send)
            return
        watch = _Watch(receive, send, task)
        timer = asyncio.get_running_loop().call_later(self.watch_after_s, watch.start)
        try:
            await self.app(scope, watch.receive, watch.send)
        except asyncio.CancelledError:
            # Our own cancellation ends the request quietly: nobody is left to answer.
            # Any other (the server shutting down) goes on.
            if not watch.client_gone or task.uncancel() > 0:
                raise
            logger.info("%s %s cancelled: the client disconnected", scope["method"], scope["path"])
        finally:
            watch.finished = True
            timer.cancel()
            if watch.watcher is not None:
                watch.watcher.cancel()
