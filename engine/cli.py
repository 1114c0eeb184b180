"""The `carte` command: run the installation, render a frame, check the artists' files."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from engine import logs
from engine.clock import FixedClock, WallClock
from engine.config import Config, load_config
from engine.control.server import OscBindError
from engine.problems import Problem, ProblemError
from engine.render.surface import OffscreenSurface
from engine.web.server import WebBindError
from engine.world.carte import ABSENT

if TYPE_CHECKING:
    from engine.journal.journal import Journal
    from engine.world.carte import Carte

log = logging.getLogger("carte")


def size_argument(text: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r} is not WIDTHxHEIGHT, e.g. 1920x1080") \
            from error
    if not (16 <= width <= 16384 and 16 <= height <= 16384):
        raise argparse.ArgumentTypeError(f"{text}: each side must be 16..16384 pixels")
    return width, height


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="carte", description="Carte sensible: a living map "
                                     "of collective thought, projected and heard.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    commands = parser.add_subparsers(dest="command", required=True)

    def with_config(sub: argparse.ArgumentParser) -> argparse.ArgumentParser:
        sub.add_argument("--config", type=Path, default=Path("config.toml"),
                         help="configuration file (default: ./config.toml)")
        return sub

    run = with_config(commands.add_parser("run", help="run the live installation"))
    run.add_argument("--headless", action="store_true",
                     help="render offscreen (EGL) even when a display is available")
    run.add_argument("--fullscreen", action="store_true", default=None,
                     help="fill the display (the projector)")
    run.add_argument("--display", type=int, help="monitor index to open the window on")
    run.add_argument("--size", type=size_argument, help="window or frame size, WxH")
    run.add_argument("--seconds", type=float, help="stop cleanly after this many seconds")
    run.add_argument("--scene", help="scene to start on (default: [display] scene)")
    run.add_argument("--demo", action="store_true",
                     help="drop the project's sample contributions into the inbox over time")

    render = with_config(commands.add_parser(
        "render", help="render the carte to a picture (.png), a sound (.wav) or a film "
        "(.mp4), deterministically (fixed time step)"))
    render.add_argument("--out", type=Path, required=True, help="output: .png, .wav or .mp4")
    length = render.add_mutually_exclusive_group()
    length.add_argument("--frames", type=int, help="frames to step before the one written")
    length.add_argument("--seconds", type=float, help="seconds of show time to step")
    render.add_argument("--size", type=size_argument, help="image size, WxH")
    render.add_argument("--scene", help="scene to render (default: [display] scene)")

    replay = with_config(commands.add_parser(
        "replay", help="re-live the event from the journal into a film (.mp4)"))
    replay.add_argument("--out", type=Path, required=True, help="output film (.mp4)")
    pace = replay.add_mutually_exclusive_group()
    pace.add_argument("--speed", type=float, help="how many times faster than it happened")
    pace.add_argument("--duration", type=float, help="length of the film in seconds "
                      "(default 600)")
    replay.add_argument("--size", type=size_argument, help="film size, WxH")
    replay.add_argument("--fps", type=int, help="frames per second (default [display] fps)")
    replay.add_argument("--from", dest="start", help="start at this time (ISO 8601)")
    replay.add_argument("--to", dest="end", help="end at this time (ISO 8601)")
    replay.add_argument("--scene", help="scene to film (default: [display] scene)")
    archive = with_config(commands.add_parser(
        "archive", help="write the event's browsable archive (static HTML)"))
    archive.add_argument("--out", type=Path, required=True, help="output folder")
    archive.add_argument("--film", type=Path, help="a film to embed (.mp4, .webm)")
    archive.add_argument("--poster", type=Path, help="a poster to embed (.png)")
    with_config(commands.add_parser("check", help="validate config, scenes and shaders"))
    osc_map = with_config(commands.add_parser("osc-map", help="print the OSC address tree "
                                              "as Markdown"))
    osc_map.add_argument("--open-stage-control", type=Path, metavar="FILE",
                         help="also write an Open Stage Control session (JSON)")
    with_config(commands.add_parser("ingest", help="take what the inbox holds now, then exit"))
    listing = with_config(commands.add_parser("list", help="every file the journal knows"))
    listing.add_argument("--json", action="store_true", help="the stable JSON form")
    said = with_config(commands.add_parser("terms", help="each theme's and sector's terms, "
                                           "with their weights and counts"))
    said.add_argument("--json", action="store_true", help="the stable JSON form")
    cluster = commands.add_parser("cluster", help="several rooms: the backbone's state, "
                                  "the NATS servers' users")
    which = cluster.add_subparsers(dest="cluster", required=True)
    status = with_config(which.add_parser("status", help="the stream, the nodes heard, how "
                                          "far each has applied it"))
    status.add_argument("--json", action="store_true", help="as JSON")
    cue = with_config(which.add_parser("cue", help="blackout, freeze or a scene for every "
                                       "node, or for one (--node)"))
    cue.add_argument("what", choices=("blackout", "freeze", "scene"))
    cue.add_argument("value", help="on or off; for a scene, its name")
    cue.add_argument("--node", default="", help="only this node (default: every node)")
    users = which.add_parser("users", help="print the NATS servers' users block "
                             "(deploy/nats/users.conf): one per node, each publishing "
                             "only as itself")
    users.add_argument("nodes", nargs="+", help="every node's [cluster] node name")
    users.add_argument("--stream", default="carte", help="[cluster] stream (default carte)")
    for state, verb in (("hidden", "hide"), ("shown", "show"), ("pinned", "pin")):
        moderate = with_config(commands.add_parser(verb, help=f"mark a contribution {state}"))
        moderate.add_argument("id", help="contribution id (see `carte list`)")
        moderate.set_defaults(state=state)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        return command(build_parser().parse_args(argv))
    except KeyboardInterrupt:  # Ctrl-C before a running show installs its own handler
        print("interrupted (Ctrl-C) before the show ran", file=sys.stderr)
        return 130


def command(args: argparse.Namespace) -> int:
    quiet = args.command == "check"  # check prints each problem itself, once
    logs.configure(logging.DEBUG if args.verbose else
                   logging.CRITICAL if quiet else logging.INFO)
    if args.command == "check":
        return check(args.config)
    if args.command == "cluster" and args.cluster == "users":
        return cluster_users(args.nodes, args.stream)
    try:
        config = load_config(args.config)
    except ProblemError as error:
        print(error, file=sys.stderr)
        return 1
    if getattr(args, "scene", None):
        config = replace(config, display=replace(config.display, scene=args.scene))
    try:
        if args.command == "run":
            return run(config, args)
        if args.command == "render":
            return render(config, args)
        if args.command == "ingest":
            return ingest(config)
        if args.command == "list":
            return listing(config, args.json)
        if args.command == "terms":
            return terms(config, args.json)
        if args.command == "osc-map":
            return osc_map(config, args.open_stage_control)
        if args.command == "replay":
            return replay(config, args)
        if args.command == "archive":
            return archive(config, args)
        if args.command == "cluster" and args.cluster == "cue":
            return cluster_cue(config, args.what, args.value, args.node)
        if args.command == "cluster":
            return cluster_status(config, args.json)
        return moderate(config, args.id, args.state)
    except (ProblemError, OscBindError, WebBindError) as error:
        print(error, file=sys.stderr)
        return 1


def run(config: Config, args: argparse.Namespace) -> int:
    from engine.app import Engine
    from engine.intake.demo import DemoFeeder
    from engine.render.surface import OffscreenSurface, WindowSurface, display_available

    display = config.display
    size = args.size or display.size
    fullscreen = display.fullscreen if args.fullscreen is None else args.fullscreen
    surface = None
    if not args.headless:
        if not display_available():
            print("no display found (DISPLAY is not set): running headless on EGL, "
                  f"preview every {display.preview_seconds:g} s in "
                  f"{config.paths.data / 'preview.png'}", file=sys.stderr)
        else:
            try:
                surface = WindowSurface(size, fullscreen, display.display if args.display is None
                                        else args.display)
            except Exception as error:  # any SDL/GL failure: the show goes on offscreen
                print(f"cannot open a window ({error}): running headless on EGL, preview in "
                      f"{config.paths.data / 'preview.png'}", file=sys.stderr)
    preview = None
    if surface is None:
        surface = OffscreenSurface(size)
        preview = config.paths.data / "preview.png"
    engine = Engine(config, surface, WallClock(display.fps, paced=surface.kind == "offscreen"),
                    live=True)

    def stop(signum: int, frame: object) -> None:
        engine.request_stop()

    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    demo = DemoFeeder(config.paths.inbox, config.paths.data / "demo") if args.demo else None
    try:
        engine.start()
        if demo is not None:
            demo.start()
        log.info("running scene %s on %s %dx%d", engine.scene_name, surface.kind, *surface.size)
        engine.run(seconds=args.seconds, preview=preview)
    finally:
        if demo is not None:
            demo.stop()
        engine.close()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    log.info("stopped cleanly")
    return 0


def render(config: Config, args: argparse.Namespace) -> int:
    from engine.app import Engine

    suffix = args.out.suffix.lower()
    if suffix not in (".png", ".wav", ".mp4"):
        print(f"{args.out}: expected a .png, .wav or .mp4 file", file=sys.stderr)
        return 2
    fps = config.display.fps
    default = 3.0 if suffix == ".png" else 20.0
    frames = args.frames if args.frames is not None else \
        round((default if args.seconds is None else args.seconds) * fps)
    if frames < 0:
        print("--frames and --seconds must not be negative", file=sys.stderr)
        return 2
    if suffix == ".wav":
        return render_sound(config, args.out, frames / fps)
    engine = Engine(config, OffscreenSurface(args.size or config.display.size),
                    FixedClock(fps), live=False)
    try:
        if suffix == ".png":
            engine.restore_now()
            engine.run(frames=frames + 1)
            engine.target.save_png(args.out)
        else:
            from engine.film import render_film, spread

            arrivals = list(engine.intake.restore())
            cues = spread([replace(a, restored=False) for a in arrivals
                           if a.state not in ABSENT], frames / fps)
            render_film(engine, args.out, frames / fps, cues)
    finally:
        engine.close()
    print(args.out)
    return 0


def replay(config: Config, args: argparse.Namespace) -> int:
    """The event again, from the journal: contributions at their recorded times,
    compressed into a film; hidden ones stay out."""
    from datetime import datetime

    from engine.app import Engine
    from engine.film import recorded, render_film

    if args.out.suffix.lower() != ".mp4":
        print(f"{args.out}: a replay is written as .mp4", file=sys.stderr)
        return 2
    if args.fps:
        config = replace(config, display=replace(config.display, fps=args.fps))
    engine = Engine(config, OffscreenSurface(args.size or config.display.size),
                    FixedClock(config.display.fps), live=False)
    try:
        entries = {e.id: e for e in engine.journal.contributions() if e.state not in ABSENT}
        changes = [] if args.scene else engine.journal.events()
        moments = [e.at for e in entries.values()] + [at for at, _, _ in changes]
        try:
            start = datetime.fromisoformat(args.start).timestamp() if args.start else \
                min(moments, default=0.0)
            end = datetime.fromisoformat(args.end).timestamp() if args.end else \
                max(moments, default=start)
        except ValueError as error:
            print(f"--from/--to: {error}; expected ISO 8601, e.g. 2026-06-12T14:00",
                  file=sys.stderr)
            return 2
        entries = {i: e for i, e in entries.items() if start <= e.at <= end}
        span = max(end - start, 1.0)
        speed = args.speed or span / ((args.duration or 600.0) * 0.9)
        seconds = args.duration or span / speed / 0.9
        arrivals = [replace(a, restored=False) for a in engine.intake.restore()
                    if a.contribution.id in entries]
        cues = recorded(arrivals, entries, changes, start, end, speed)
        print(f"replaying {len(arrivals)} contributions and {len(changes)} live changes, "
              f"{speed:.0f}x faster, {seconds:.0f} s", file=sys.stderr)
        render_film(engine, args.out, seconds, cues, speed)
    finally:
        engine.close()
    print(args.out)
    return 0


def archive(config: Config, args: argparse.Namespace) -> int:
    from engine.report import ArchiveError, write_archive

    try:
        index = write_archive(config, args.out, film=args.film, poster=args.poster)
    except ArchiveError as error:
        print(error, file=sys.stderr)
        return 1
    print(index)
    return 0


def render_sound(config: Config, out: Path, seconds: float) -> int:
    """The soundscape alone, offline: the journal's contributions arriving one after
    another over the first four fifths of the sound."""
    from engine.app import soundscape
    from engine.intake.intake import Intake
    from engine.journal.journal import Journal

    audio = soundscape(config, live=False)
    if audio is None:
        print("[audio] backend is none: no sound to render", file=sys.stderr)
        return 2
    journal = Journal(config.paths.data / "journal.sqlite")
    intake = Intake(config, journal)
    try:
        shown = [a.contribution for a in intake.restore() if a.state not in ABSENT]
    finally:
        intake.stop()
        journal.close()
    step = seconds * 0.8 / max(1, len(shown))
    audio.render_wav(out, seconds, [(i * step, c) for i, c in enumerate(shown)])
    print(out)
    return 0


def ingest(config: Config) -> int:
    """Take every file in the inbox now: archive and journal it, or refuse it."""
    from engine.intake.intake import Arrived, Duplicate, Intake, Refused
    from engine.journal.journal import Journal

    journal = Journal(config.paths.data / "journal.sqlite")
    intake = Intake(config, journal)
    try:
        messages = intake.ingest_now()
    finally:
        intake.stop()
        journal.close()
    taken = sum(isinstance(m, Arrived) for m in messages)
    doubles = [m for m in messages if isinstance(m, Duplicate)]
    refused = [m for m in messages if isinstance(m, Refused)]
    for message in refused:
        print(f"refused: {logs.escape(message.name)}: {logs.escape(message.reason)}")
    for double in doubles:
        print(f"duplicate: {logs.escape(double.name)}: same content as {double.of}")
    print(f"{taken} taken, {len(doubles)} duplicate{'s' * (len(doubles) != 1)} (kept once), "
          f"{len(refused)} refused")
    return 0


def journal_carte(config: Config, journal: Journal) -> Carte:
    """The carte as the engine draws it from the journal: journaled spots taken again,
    others walked; every contribution read."""
    from engine.intake.intake import Intake
    from engine.world.carte import Carte

    intake = Intake(config, journal)
    try:
        carte = Carte.of(config)
        spots = journal.places()
        for arrived in intake.restore():
            carte.add(arrived.contribution, 0.0, arrived.state,
                      spots.get(arrived.contribution.id))
    finally:
        intake.stop()
    return carte


def print_json(value: object) -> int:
    """The stable JSON form of a listing, on stdout; the command's exit status (0)."""
    import json

    print(json.dumps(value, ensure_ascii=False, indent=2))
    return 0


def listing(config: Config, as_json: bool) -> int:
    """Every file the journal knows, oldest first."""
    from engine.journal.journal import Journal

    journal = Journal(config.paths.data / "journal.sqlite")
    try:
        node = config.cluster.node if config.cluster.enabled else ""
        entries = [entry.public(node) for entry in journal.entries()]
        if as_json:
            carte = journal_carte(config, journal)
            for entry in entries:
                placed = carte.find(entry["id"]) if entry["id"] else None
                if placed is None or entry["state"] not in ("shown", "hidden", "pinned"):
                    continue
                entry["place"] = placed.place()
                reading = placed.contribution.reading
                if reading is not None:
                    entry["title"] = reading.title
                    entry["terms"] = [{"term": t.form, "key": t.key, "weight": t.weight}
                                      for t in reading.terms]
    finally:
        journal.close()
    if as_json:
        return print_json({"contributions": entries})
    for entry in entries:
        tags = ", ".join(f"{k}={v}" for k, v in entry["tags"].items())
        reason = f"  ({entry['reason']})" if entry["reason"] else ""
        print(f"{entry['time']}  {entry['id'] or '-':16}  {entry['kind'] or '-':9}  "
              f"{entry['state']:9}  {logs.escape(entry['name'])}  {logs.escape(tags)}"
              f"{logs.escape(reason)}")
    return 0


def terms(config: Config, as_json: bool) -> int:
    """Each theme's and sector's terms: what the carte names, with weights and counts."""
    from engine.journal.journal import Journal

    journal = Journal(config.paths.data / "journal.sqlite")
    try:
        regions = journal_carte(config, journal).terms()
    finally:
        journal.close()
    if as_json:
        return print_json({"regions": regions})
    for region in regions:
        said = ", ".join(f"{t['term']} ({t['weight']:.2f}, {t['count']})"
                         for t in region["terms"]) or "—"
        print(f"{region['region']} [{region['contributions']}]: {logs.escape(said)}")


def cluster_status(config: Config, as_json: bool) -> int:
    """The backbone and this node's engine; 1 when the backbone cannot be reached."""
    import json

    from engine.cluster.survey import report, survey

    if not config.cluster.enabled:
        print(f"{config.source}: [cluster] is off: this machine runs the carte alone",
              file=sys.stderr)
        return 1
    found = survey(config)
    print(json.dumps(found, ensure_ascii=False, indent=2) if as_json else
          "\n".join(report(config, found)))
    return 1 if found["backbone"] else 0


def cluster_cue(config: Config, what: str, value: str, node: str) -> int:
    """A blackout, a freeze or a scene through the stream, for every node or one."""
    from engine.cluster.survey import send
    from engine.cluster.wire import Cue

    if not config.cluster.enabled:
        print(f"{config.source}: [cluster] is off: use OSC or the console", file=sys.stderr)
        return 1
    if what != "scene" and value not in ("on", "off"):
        print(f"{what}: expected on or off, got {logs.escape(value)}", file=sys.stderr)
        return 2
    said = send(config, Cue(what, value if what == "scene" else value == "on", None, node,
                            "command"))
    if said:
        print(f"not sent: {said}", file=sys.stderr)
        return 1
    print(f"{what} {value} sent to {node or 'every node'}")
    return 0


def cluster_users(nodes: list[str], stream: str) -> int:
    from engine.cluster.users import users_conf
    from engine.config import NODE_NAME, STREAM_NAME

    wrong = [n for n in nodes if not NODE_NAME.match(n)]
    if wrong or not STREAM_NAME.match(stream):
        print(f"not a node or stream name: {', '.join(wrong) or stream} (lower-case letters, "
              "digits, _ and -)", file=sys.stderr)
        return 2
    print(users_conf(stream, nodes), end="")
    return 0


def moderate(config: Config, id: str, state: str) -> int:
    """Record a moderation; a running engine applies it within a frame of noticing."""
    from engine.journal.journal import Journal

    journal = Journal(config.paths.data / "journal.sqlite")
    try:
        journal.moderate(id, state)
    except KeyError as error:
        print(logs.escape(error.args[0]), file=sys.stderr)
        return 1
    finally:
        journal.close()
    print(f"{logs.escape(id)} is now {state}")
    return 0


def osc_map(config: Config, session: Path | None) -> int:
    """The address tree for the start scene, from the table that routes messages."""
    from engine.app import Engine
    from engine.clock import FixedClock
    from engine.control import build_address_space, osc_map_markdown
    from engine.control.layout import session_json
    from engine.control.link import ControlLink, settings_of
    from engine.render.surface import OffscreenSurface

    engine = Engine(config, OffscreenSurface((16, 16)), FixedClock(1), live=False)
    try:
        space = build_address_space(ControlLink.model_of(engine))
        print(osc_map_markdown(space, config.osc.host, config.osc.port, settings_of(engine)))
    finally:
        engine.close()
    if session is not None:
        session.write_text(session_json(space), encoding="utf-8")
        print(f"Open Stage Control session written to {session}", file=sys.stderr)
    return 0


def check(config_path: Path) -> int:
    """Validate everything an artist or technician edits; print each problem located."""
    try:
        config = load_config(config_path)
    except ProblemError as error:
        print(error)
        return 1
    problems: list[Problem] = []
    from engine.render.library import ShaderLibrary
    from engine.render.surface import OffscreenSurface
    from engine.world.scene import SceneLibrary

    surface = OffscreenSurface((16, 16))
    shaders = ShaderLibrary(surface.ctx, config.paths.shaders)
    try:
        for name in shaders.names():
            shaders.get(name)
        scenes = SceneLibrary(config.paths.scenes, shaders.source)
        for name in scenes.names():
            scenes.get(name)
        problems = shaders.problems() + scenes.problems()
        if config.display.scene not in scenes.names():
            problems.append(Problem(config.source, 1, f"[display] scene: no scene "
                                    f"{config.display.scene!r} in {config.paths.scenes}"))
        checked = f"{len(shaders.names())} shaders, {len(scenes.names())} scenes"
    finally:
        shaders.release()
        surface.release()
    for problem in problems:
        print(problem)
    print(f"{config.source}: {checked}: " +
          ("all good" if not problems else f"{len(problems)} problem(s)"))
    return 1 if problems else 0
