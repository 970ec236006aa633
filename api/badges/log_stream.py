"""A job's build log as Server-Sent Events: what the stream sends, read from the database.

One stream follows one job. Each poll reads the job, then its lines after the last one sent, and
turns them into events:

- `log`, with `id:` the line's `seq` and `data:` the line as the logs endpoint gives it, so a
  browser's `Last-Event-ID` (or `last_event_id`) resumes after the last line it saw;
- `progress` (`status`, `done`, `total`, as the job's answer has them), when any of them changed;
- `end` (`status`, `error`) once the job is succeeded, failed or cancelled and every line is out;
  then the stream closes.

Between events, a comment line (`: heartbeat`) every LOG_STREAM_HEARTBEAT_SECONDS keeps proxies
and the browser from closing a quiet connection.

The job is read before its lines: the worker commits its last line no later than the final status,
so a stream that sees a finished job also sees every line of it.

The same stream runs two ways. Iterated (`for chunk in stream`), it sleeps between polls in the
thread that serves the request: the Flask test client and `manage.py run` serve it so. Under the
ASGI front (api/asgi.py, what gunicorn runs) `run_async` waits on the event loop instead and only
the polls take a thread, for milliseconds, so open streams hold no request thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from sqlalchemy import select

from api.badges.models import FINISHED_STATUSES, BadgeJob, BadgeJobLog
from api.badges.schemas import BadgeJobLogSchema
from api.extensions import db

# Lines read per poll; a longer backlog goes out over the next polls, without waiting between them.
LINES_PER_POLL = 500
# Sent first: how long a browser waits before it reconnects (milliseconds).
RETRY_MILLISECONDS = 2000
HEARTBEAT = b": heartbeat\n\n"
# The key under which a request's environ carries its stream to the ASGI front.
ENVIRON_KEY = "badges.log_stream"

_log_schema = BadgeJobLogSchema()


def event(kind: str, data: dict[str, Any], event_id: int | None = None) -> bytes:
    """One event in the text/event-stream format; the JSON is one line, so one `data:` field."""
    head = f"id: {event_id}\n" if event_id is not None else ""
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return f"{head}event: {kind}\ndata: {body}\n\n".encode()


@dataclass
class Poll:
    chunks: list[bytes]
    finished: bool  # the end event is among the chunks, or the job is gone
    more: bool  # lines are waiting beyond this poll's batch: poll again without waiting


@dataclass
class Clock:
    started: float = field(default_factory=time.monotonic)
    last_sent: float = field(default_factory=time.monotonic)


@dataclass
class Turn:
    send: bytes  # b"": nothing to send
    done: bool
    wait: float  # seconds until the next poll


@dataclass
class LogStream:
    app: Flask
    job_id: uuid.UUID
    last_seq: int
    poll_seconds: float
    heartbeat_seconds: float
    max_seconds: float  # 0: no limit
    _progress: tuple[str, int, int] | None = field(default=None, init=False)

    @classmethod
    def for_job(cls, app: Flask, job_id: uuid.UUID, last_seq: int) -> LogStream:
        config = app.config
        return cls(
            app,
            job_id,
            last_seq,
            poll_seconds=config["LOG_STREAM_POLL_SECONDS"],
            heartbeat_seconds=config["LOG_STREAM_HEARTBEAT_SECONDS"],
            max_seconds=config["LOG_STREAM_MAX_SECONDS"],
        )

    def opening(self) -> bytes:
        return f"retry: {RETRY_MILLISECONDS}\n\n".encode()

    def poll(self) -> Poll:
        """Read what is new (blocking: a thread runs it), in an app context of its own."""
        with self.app.app_context():
            session = db.session()
            job = session.get(BadgeJob, self.job_id)
            if job is None:  # deleted with its owner's account
                return Poll([], finished=True, more=False)
            status, done, total = job.status, job.progress_done, job.progress_total
            lines = list(
                session.scalars(
                    select(BadgeJobLog)
                    .where(BadgeJobLog.job_id == self.job_id, BadgeJobLog.seq > self.last_seq)
                    .order_by(BadgeJobLog.seq)
                    .limit(LINES_PER_POLL)
                )
            )
            chunks = [event("log", _log_schema.dump(line), line.seq) for line in lines]
            if lines:
                self.last_seq = lines[-1].seq
            more = len(lines) == LINES_PER_POLL
            progress = (str(status), done, total)
            if progress != self._progress:
                self._progress = progress
                chunks.append(event("progress", {"status": str(status), "done": done, "total": total}))
            finished = status in FINISHED_STATUSES and not more
            if finished:
                chunks.append(event("end", {"status": str(status), "error": job.error}))
            return Poll(chunks, finished=finished, more=more)

    def __iter__(self) -> Iterator[bytes]:
        """The stream for a server that gives each response a thread: sleeps between polls."""
        yield self.opening()
        clock = Clock()
        while True:
            turn = self.after_poll(self.poll(), clock)
            if turn.send:
                yield turn.send
            if turn.done:
                return
            if turn.wait:
                time.sleep(turn.wait)

    async def run_async(
        self,
        send: Callable[[bytes], Awaitable[None]],
        executor: Executor,
        stop: asyncio.Event,
    ) -> None:
        """The same stream on an event loop: polls run in `executor`, waits hold no thread, and it
        stops as soon as `stop` is set (the client went away, the worker is stopping)."""
        loop = asyncio.get_running_loop()
        await send(self.opening())
        clock = Clock()
        while not stop.is_set():
            turn = self.after_poll(await loop.run_in_executor(executor, self.poll), clock)
            if turn.send:
                await send(turn.send)
            if turn.done:
                return
            if turn.wait:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), turn.wait)

    def after_poll(self, found: Poll, clock: Clock) -> Turn:
        """What follows a poll, the same for both ways of serving: what to send, whether the
        stream ends, and how long to wait before the next poll (a backlog: not at all)."""
        send = b"".join(found.chunks)
        if send:
            clock.last_sent = time.monotonic()
        if found.finished or self._past_limit(clock.started):
            return Turn(send, done=True, wait=0.0)
        if found.more:
            return Turn(send, done=False, wait=0.0)
        if time.monotonic() - clock.last_sent >= self.heartbeat_seconds:
            send += HEARTBEAT
            clock.last_sent = time.monotonic()
        return Turn(send, done=False, wait=self._pause(clock.last_sent))

    def _pause(self, last_sent: float) -> float:
        """Until the next poll, or sooner when a heartbeat falls due before it."""
        until_heartbeat = self.heartbeat_seconds - (time.monotonic() - last_sent)
        return max(0.0, min(self.poll_seconds, until_heartbeat))

    def _past_limit(self, started: float) -> bool:
        return bool(self.max_seconds) and time.monotonic() - started >= self.max_seconds
