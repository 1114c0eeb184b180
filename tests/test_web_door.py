"""The web door against what a crowd and an attacker send, over real sockets on loopback:
slow bodies from many addresses, stalled heads, malformed parts and drawings, clients
that vanish. Each gets a 4xx (or is cut) with one log line, and a participant beside
them is still answered."""

from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.app import Engine
from tests.engines import step_until
from tests.test_web import photo, send, sent, started, state
from tests.web_client import Client


@pytest.fixture
def door(project: Path) -> Iterator[tuple[Engine, Client]]:
    with started(project, burst="50", uploads_per_minute="600.0", header_seconds="2.0",
                 min_rate_kb="2.0") as both:
        yield both


def raw(engine: Engine, data: bytes, source: str = "127.0.0.1") -> bytes:
    """One request over a plain socket; the whole answer."""
    assert engine.web is not None
    with socket.create_connection(("127.0.0.1", engine.web.server.port), timeout=10,
                                  source_address=(source, 0)) as sock:
        sock.sendall(data)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
            engine.step()
    return answer


def multipart(part_head: bytes, content: bytes) -> bytes:
    body = b"--b\r\n" + part_head + b"\r\n\r\n" + content + b"\r\n--b--\r\n"
    return (b"POST /api/contributions HTTP/1.1\r\nHost: carte\r\nConnection: close\r\n"
            b"Content-Type: multipart/form-data; boundary=b\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body)) + body


def status_and_reason(answer: bytes) -> tuple[int, str]:
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)["error"] if body.startswith(b"{") else ""


def test_slow_bodies_from_32_addresses_leave_a_participant_answered(
        door: tuple[Engine, Client]) -> None:
    engine, client = door
    assert engine.web is not None
    port = engine.web.server.port
    head = (b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x\"\r\n"
            b"Content-Type: image/jpeg\r\n\r\n\xff\xd8\xff")
    slow = []
    for host in range(2, 34):  # 32 attackers, each its own address
        sock = socket.create_connection(("127.0.0.1", port), source_address=(f"127.0.0.{host}", 0))
        sock.sendall(b"POST /api/contributions HTTP/1.1\r\nHost: carte\r\nContent-Type: "
                     b"multipart/form-data; boundary=b\r\nContent-Length: 5000000\r\n\r\n" + head)
        slow.append(sock)
    try:
        started = time.monotonic()
        id = sent(engine, client, file=(photo(), "image/jpeg"), author="Inès")
        assert time.monotonic() - started < 10
        assert state(client, id)["state"] == "pending"
        # a byte now and then is not an upload: each slow body is cut within a few spans
        deadline = time.monotonic() + 15
        cut = set()
        while len(cut) < len(slow):
            assert time.monotonic() < deadline, f"{len(cut)} of {len(slow)} slow bodies cut"
            engine.step()
            for sock in slow:
                if sock in cut:
                    continue
                try:
                    sock.send(b"\0")
                    sock.setblocking(False)
                    if sock.recv(1) == b"":
                        cut.add(sock)
                except BlockingIOError:
                    pass
                except OSError:
                    cut.add(sock)
            time.sleep(0.2)
    finally:
        for sock in slow:
            sock.close()
    assert not any(p.name.startswith(".web-") for p in engine.config.paths.inbox.iterdir())


def test_stalled_heads_are_closed_and_one_address_holds_only_its_share(
        door: tuple[Engine, Client]) -> None:
    engine, client = door
    assert engine.web is not None
    port = engine.web.server.port
    cap = engine.config.web.connections_per_address
    stalled = [socket.create_connection(("127.0.0.1", port), source_address=("127.0.0.9", 0))
               for _ in range(cap + 4)]
    try:
        for sock in stalled:
            sock.sendall(b"GET / HT")  # and nothing more
        answers = []
        deadline = time.monotonic() + 10
        for sock in stalled:
            sock.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                answers.append(sock.recv(1024))
            except TimeoutError:
                answers.append(None)
            engine.step()
        refused = [a for a in answers if a and a.startswith(b"HTTP/1.1 503")]
        closed = [a for a in answers if a == b""]
        assert len(refused) == 4 and len(closed) == cap  # over the cap at once; the rest late
        assert client.request("GET", "/").status == 200  # another address: served
    finally:
        for sock in stalled:
            sock.close()


@pytest.mark.parametrize("part_head", [
    b'Content-Disposition: form-data; name="file"; filename="a\r\nX-Injected: 1.jpg"',
    b'Content-Disposition: form-data; name="file"; filename="a\nb.jpg"',
    b'Content-Disposition: form-data; name="fi\r\nle"',
])
def test_a_part_header_that_breaks_lines_is_a_400_in_french(
        door: tuple[Engine, Client], part_head: bytes,
        caplog: pytest.LogCaptureFixture) -> None:
    engine, _ = door
    status, reason = status_and_reason(raw(engine, multipart(
        part_head + b"\r\nContent-Type: image/jpeg", b"\xff\xd8\xff\xe0xx")))
    assert 400 <= status < 500 and "Formulaire" in reason
    assert not any(r.exc_info for r in caplog.records)


def test_hostile_drawings_get_their_own_reasons(door: tuple[Engine, Client]) -> None:
    engine, client = door
    deep = "[" * 200_000 + "]" * 200_000
    status, answer = send(client, strokes=deep)
    assert status == 400 and "dessin" in str(answer["error"])
    long_line = [[[i / 20_000, 0.5, 0.5] for i in range(20_000)]]
    status, answer = send(client, strokes=json.dumps(long_line))
    assert status == 413 and "points" in str(answer["error"])
    assert "simplifiez" in str(answer["error"])
    drawn = [[[i / 900, 0.5 + 0.3 * (i % 2), 0.5] for i in range(900)]]  # a busy one: taken
    assert state(client, sent(engine, client, strokes=json.dumps(drawn)))["state"] == "pending"


def test_a_client_gone_or_a_huge_request_line_is_one_log_line(
        door: tuple[Engine, Client], caplog: pytest.LogCaptureFixture) -> None:
    engine, _ = door
    caplog.set_level(logging.INFO)
    status = int(raw(engine, b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
                 .split()[1])
    assert 400 <= status < 500
    assert engine.web is not None
    with socket.create_connection(("127.0.0.1", engine.web.server.port)) as sock:
        sock.sendall(multipart(b'Content-Disposition: form-data; name="file"; filename="a"'
                               b"\r\nContent-Type: image/jpeg", b"\xff\xd8\xff" * 1000)
                     [:2000])  # half a body, then gone
    step_until(engine, lambda: any("left during POST" in r.getMessage()
                                   for r in caplog.records), 10)
    for record in caplog.records:
        assert record.exc_info is None and "\n" not in record.getMessage(), record.getMessage()
    assert not any(p.name.startswith(".web-") for p in engine.config.paths.inbox.iterdir())
