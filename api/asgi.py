"""The ASGI front gunicorn serves: the Flask app in a thread pool, live logs on the event loop.

    gunicorn --worker-class asgi ... 'api.asgi:create_app(threads=4)'

gunicorn's own `asgi` worker (asyncio) accepts the connections. Every request but one is handed to
the Flask app, unchanged, in a pool of `threads` threads (a2wsgi's WSGI bridge), as gthread's
`--threads` did. The exception is `GET .../badge-jobs/{id}/log-stream`: the Flask view still
answers it (authentication, the 404 for another user's job, CORS and security headers, the problem
shape for every error) and names its stream in the request's environ (api/badges/log_stream.py);
this front then sends the headers and runs the stream on the event loop. Between polls an open
stream holds no thread, so a hundred open streams cost a hundred sockets and tasks, not a hundred
threads, and ordinary requests keep their pool. Each poll is a short read in a small pool of its
own (`poll_threads`), so streams and requests never wait for each other's threads.

The worker process is the same as with gthread: the app, its job-runner threads and the render
pool (api.gunicorn_conf starts it after the fork) are created as before; psycopg2 and SQLite are
used from ordinary threads, as before.
"""

from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from a2wsgi import WSGIMiddleware
from a2wsgi.wsgi import Body, build_environ
from flask import Flask

from api.app import create_app as create_flask_app
from api.badges.log_stream import ENVIRON_KEY, LogStream

STREAM_PATH = re.compile(r"/badge-jobs/[^/]+/log-stream$")


class Front:
    def __init__(self, app: Flask, *, threads: int, poll_threads: int) -> None:
        self.app = app
        self.wsgi = WSGIMiddleware(app, workers=threads)  # type: ignore[arg-type]  # a Flask app is a WSGI app
        self.polls = ThreadPoolExecutor(max_workers=poll_threads, thread_name_prefix="log-stream")
        # Set when the worker is told to stop (api.gunicorn_conf): open streams close at once, and
        # browsers reconnect (with Last-Event-ID) to a worker that stays, instead of holding this one
        # for the whole --graceful-timeout.
        self.closing = asyncio.Event()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and STREAM_PATH.search(scope["path"]):
            await self._stream(scope, receive, send)
        else:
            await self.wsgi(scope, receive, send)

    async def _stream(self, scope: Any, receive: Any, send: Any) -> None:
        loop = asyncio.get_running_loop()
        environ: dict[str, Any] = dict(build_environ(scope, Body(loop, receive)))
        status, headers, body, stream = await loop.run_in_executor(
            self.wsgi.executor, self._call_flask, environ
        )
        await send({"type": "http.response.start", "status": status, "headers": headers})
        if stream is None:
            await send({"type": "http.response.body", "body": body})
            return
        stop, disconnected = asyncio.Event(), asyncio.Event()
        watchers = [
            loop.create_task(_watch_disconnect(receive, disconnected, stop)),
            loop.create_task(_wait_and_set(self.closing, stop)),
        ]

        async def send_chunk(chunk: bytes) -> None:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})

        try:
            await stream.run_async(send_chunk, self.polls, stop)
            if not disconnected.is_set():
                await send({"type": "http.response.body", "body": b""})
        finally:
            for watcher in watchers:
                watcher.cancel()

    def _call_flask(
        self, environ: dict[str, Any]
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes, LogStream | None]:
        """Run the Flask view in a pool thread: the answer's status and headers, and either the
        stream it opened or, for any other answer (an error, a preflight), its whole body."""
        started: list[tuple[int, list[tuple[bytes, bytes]]]] = []

        def start_response(status: str, headers: list[tuple[str, str]], _exc_info: Any = None) -> Any:
            encoded = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers]
            started[:] = [(int(status.split(" ", 1)[0]), encoded)]
            return None

        chunks = self.app(environ, start_response)
        try:
            status, headers = started[0]
            found = environ.get(ENVIRON_KEY)
            if isinstance(found, LogStream) and status == 200:
                return status, headers, b"", found
            return status, headers, b"".join(chunks), None
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()


async def _watch_disconnect(receive: Any, disconnected: asyncio.Event, stop: asyncio.Event) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            disconnected.set()
            stop.set()
            return


async def _wait_and_set(event: asyncio.Event, then: asyncio.Event) -> None:
    await event.wait()
    then.set()


def create_app(threads: int = 4, poll_threads: int = 2) -> Front:
    """gunicorn's app factory: `'api.asgi:create_app(threads=4)'`, `threads` as gthread's --threads."""
    return Front(create_flask_app(), threads=threads, poll_threads=poll_threads)
