"""`carte cluster status`: the backbone seen from this machine, whether or not its engine
runs: the stream (its last sequence, its replicas and whether each is current), the nodes
heard and how far each has applied the stream, and what this node's engine last said in
`status.json`."""

from __future__ import annotations

import asyncio
import contextlib
import time
from pathlib import Path
from typing import Any

from engine.cluster.backbone import connect_options, describe
from engine.cluster.presence import Peer, Presence
from engine.cluster.subjects import Subjects
from engine.config import Config
from engine.supervise.files import read_json

LISTEN_SECONDS = 2.5
FRESH_SECONDS = 10.0


async def _survey(config: Config) -> dict[str, Any]:
    import nats

    settings = config.cluster
    subjects = Subjects(settings.stream)
    found: dict[str, Any] = {"backbone": "", "stream": None, "nodes": []}
    options = connect_options(settings) | {"allow_reconnect": False,
                                           "name": f"{settings.node}-status"}
    try:
        client = await nats.connect(**options)
    except Exception as error:
        found["backbone"] = describe(error)
        return found
    heard: dict[str, Peer] = {}

    async def hear(message: Any) -> None:
        said = Presence.decode(message.data)
        if said is not None:
            node = message.subject.rsplit(".", 1)[-1]
            heard[node] = Peer(node, time.time(), said)

    try:
        await client.subscribe(subjects.presence, cb=hear)
        js = client.jetstream()
        try:
            info = await js.stream_info(settings.stream)
            cluster = info.cluster
            found["stream"] = {
                "name": settings.stream, "last": info.state.last_seq,
                "messages": info.state.messages, "bytes": info.state.bytes,
                "leader": cluster.leader if cluster else "",
                "replicas": [{"server": r.name, "current": bool(r.current),
                              "offline": bool(r.offline)}
                             for r in (cluster.replicas or [])] if cluster else []}
        except Exception as error:
            found["stream"] = {"name": settings.stream, "problem": describe(error)}
        await asyncio.sleep(LISTEN_SECONDS)
        last = (found["stream"] or {}).get("last", 0)
        now = time.time()
        found["nodes"] = [peer.public(last, now) for _, peer in sorted(heard.items())]
    finally:
        with contextlib.suppress(Exception):
            await client.close()
    return found


def survey(config: Config) -> dict[str, Any]:
    """What the backbone and this node's engine say, as one JSON-ready table."""
    found = asyncio.run(_survey(config))
    status = config.paths.data / "status.json"
    engine = read_json(status) if is_fresh(status) else None
    found["engine"] = engine.get("cluster") if isinstance(engine, dict) else None
    return found


def is_fresh(path: Path) -> bool:
    try:
        return time.time() - path.stat().st_mtime < FRESH_SECONDS
    except OSError:
        return False


def report(config: Config, found: dict[str, Any]) -> list[str]:
    """The survey in lines a technician reads."""
    settings = config.cluster
    lines = [f"node {settings.node}, stream {settings.stream}, servers "
             f"{', '.join(settings.servers)}"]
    if found["backbone"]:
        return [*lines, f"backbone: NOT REACHED: {found['backbone']}"]
    stream = found["stream"] or {}
    if "problem" in stream:
        lines.append(f"stream: {stream['problem']}")
    else:
        replicas = ", ".join(f"{r['server']} {'current' if r['current'] else 'behind'}"
                             for r in stream["replicas"])
        lines.append(f"stream: {stream['last']} messages, leader {stream['leader']}"
                     f"{', replicas ' + replicas if replicas else ''}")
    engine = found["engine"]
    if engine is None:
        lines.append("this node's engine: not running (no fresh data/status.json)")
    else:
        lines.append(f"this node's engine: {engine['state']} for {engine['for_s']:.0f} s, "
                     f"applied {engine['applied']}, lag {engine['lag']}, "
                     f"unsent {engine['unsent']}, provisional {engine['provisional']}")
    lines.append(f"nodes heard ({len(found['nodes'])}):")
    for node in found["nodes"]:
        lines.append(f"  {node['node']:<22} applied {node['applied']:>6}  lag {node['lag']:>5}"
                     f"  unsent {node['unsent']:>3}  last contact {node['last_contact_s']:.1f}"
                     f" s  {'on the backbone' if node['joined'] else 'CUT OFF'}"
                     f"  shows {node['shows']}")
    return lines


async def _send(config: Config, cue: Any) -> str:
    """Publish `cue` as this node; '' once the stream has it, else what went wrong."""
    import nats

    from engine.cluster import wire

    settings = config.cluster
    options = connect_options(settings) | {"allow_reconnect": False,
                                           "name": f"{settings.node}-cue"}
    try:
        client = await nats.connect(**options)
    except Exception as error:
        return describe(error)
    try:
        await client.jetstream().publish(
            Subjects(settings.stream).of(settings.node, "cue"), wire.encode(cue), timeout=5,
            headers={"Nats-Msg-Id": f"q:{settings.node}:command:{time.time_ns()}"})
        return ""
    except Exception as error:
        return describe(error)
    finally:
        with contextlib.suppress(Exception):
            await client.close()


def send(config: Config, cue: Any) -> str:
    return asyncio.run(_send(config, cue))
