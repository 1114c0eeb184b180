"""Typed configuration from `config.toml`.

Every section is a frozen dataclass; the loader checks each key against the dataclass
(unknown key, wrong type, bad value) and reports all problems at once, each naming the
file, the line and the key. Relative paths resolve against the config file's folder.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import re
import types
import typing
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from engine.meaning.language import LANGUAGES
from engine.problems import Problem, ProblemError
from engine.tomlfile import locate, read_toml

THEMES = ("capacitations", "datas", "coopérations", "démocratie")
SEQUENCES = ("enjeux", "paradoxes", "possibles")
PARCOURS = {
    "croisements fertiles": {
        "enjeux": "capacitations", "paradoxes": "datas", "possibles": "coopérations",
    },
    "nouvelles attentions": {
        "enjeux": "datas", "paradoxes": "démocratie", "possibles": "capacitations",
    },
    "démocratie vivante": {
        "enjeux": "coopérations", "paradoxes": "capacitations", "possibles": "démocratie",
    },
    "savoirs partagés": {
        "enjeux": "démocratie", "paradoxes": "coopérations", "possibles": "datas",
    },
}
MOMENTS = ("jour 1 après-midi", "jour 2 matin")
MIN_TOKEN = 12
# Keys older configs hold that nothing reads any more: named once, never an error.
RETIRED = {("web", "queue"): "uploads are now bounded by [web] staging_mb (disk)",
           ("web", "answer_seconds"): "uploads are now answered once received, before "
                                      "they are decoded"}
log = logging.getLogger(__name__)
AUDIO_BACKENDS = ("auto", "portaudio", "jack", "manual", "offline", "none")
NODE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")  # one token of a NATS subject
STREAM_NAME = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
SERVER_URL = re.compile(r"^(nats|tls)://[^\s/]+:\d{1,5}$")
STEERING = ("show", "room")


@dataclass(frozen=True)
class PathsConfig:
    """Where the engine reads and writes; all relative to the config file."""

    inbox: Path = Path("inbox")
    data: Path = Path("data")
    refused: Path = Path("data/refused")
    scenes: Path = Path("scenes")
    shaders: Path = Path("shaders")
    sound: Path = Path("sound")


@dataclass(frozen=True)
class DisplayConfig:
    """The picture: its size, where it goes, how often it is drawn."""

    size: tuple[int, int] = (1280, 720)
    fullscreen: bool = False
    display: int = 0
    fps: int = 60
    scene: str = "champ"
    safe_scene: str = "champ"
    preview_seconds: float = 5.0
    overlay_errors: bool = True
    font: Path | None = None
    text_size: float = 0.03
    picture_slots: int = 256
    gpu_budget_mb: float = 192.0


@dataclass(frozen=True)
class OscConfig:
    """Where VJs and moderators reach the engine."""

    host: str = "127.0.0.1"
    port: int = 9000
    allow: tuple[str, ...] = ("127.0.0.0/8", "::1/128")
    reply_port: int = 0
    rate: float = 5000.0
    queue: int = 4096
    horizon: float = 10.0
    subscribers: int = 8
    bind_retry_seconds: float = 10.0
    enabled: bool = True


@dataclass(frozen=True)
class WebConfig:
    """The web door: participants' phones and the moderators' tablet."""

    enabled: bool = False
    host: str = "0.0.0.0"
    port: int = 8080
    public_url: str = ""
    moderator_token: str = ""
    premoderation: bool = True
    max_upload_mb: int = 24
    uploads_per_minute: float = 6.0
    burst: int = 3
    staging_mb: int = 2048
    connections_per_address: int = 16
    header_seconds: float = 10.0
    min_rate_kb: float = 2.0
    bind_retry_seconds: float = 10.0


@dataclass(frozen=True)
class OscQueryConfig:
    """Where OSCQuery hosts (TouchDesigner, VDMX, Chataigne, ossia score) find and read
    the address table; advertised on the network as `name`."""

    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = 9010
    name: str = "Carte sensible"


@dataclass(frozen=True)
class AudioConfig:
    """The soundscape's output."""

    backend: str = "auto"
    device: str = ""
    sample_rate: int = 48000
    buffer_size: int = 512
    channels: int = 2
    module: str = "paysage"
    volume: float = 0.8
    seed: int = 1
    crossfade_seconds: float = 2.0
    stall_seconds: float = 2.0
    retry_seconds: float = 30.0
    probe_seconds: float = 5.0
    loudness: float = -23.0
    loudness_reach: float = 12.0
    fade_seconds: float = 1.5


@dataclass(frozen=True)
class IntakeConfig:
    """How the inbox is watched, and the caps that keep hostile files harmless."""

    settle_seconds: float = 0.4
    rescan_seconds: float = 5.0
    frame_budget_ms: float = 4.0
    workers: int = 2
    decode_timeout: float = 20.0
    worker_memory_mb: int = 1536
    max_file_mb: int = 256
    max_megapixels: float = 64.0
    max_frames: int = 120
    max_seconds: float = 60.0
    max_text_chars: int = 4000
    image_size: int = 1024
    sidecar_wait_seconds: float = 30.0


@dataclass(frozen=True)
class EventConfig:
    """The event's vocabulary: what contributions can be tagged with."""

    themes: tuple[str, ...] = THEMES
    sequences: tuple[str, ...] = SEQUENCES
    parcours: dict[str, dict[str, str]] = field(default_factory=lambda: dict(PARCOURS))
    moments: tuple[str, ...] = MOMENTS
    defaults: dict[str, str] = field(default_factory=dict)
    language: str = "fr"  # what the contributions are read in (terms, titles)


@dataclass(frozen=True)
class ClusterConfig:
    """Several rooms sharing one carte through NATS JetStream; off, one machine alone.
    `shows` is what this screen shows (`all`, or `parcours:NAME`, `theme:NAME`,
    `sequence:NAME`); `steering` is how far this node's own scene switches and transport
    reach (`show`: every node, `room`: only here)."""

    enabled: bool = False
    servers: tuple[str, ...] = ("nats://127.0.0.1:4222",)
    node: str = ""
    stream: str = "carte"
    user: str = ""
    password: str = ""
    credentials: Path | None = None
    tls_ca: Path | None = None
    shows: str = "all"
    steering: str = "show"
    replicas: int = 3


@dataclass(frozen=True)
class Config:
    """The whole configuration, plus the file it came from."""

    paths: PathsConfig = field(default_factory=PathsConfig)
    display: DisplayConfig = field(default_factory=DisplayConfig)
    osc: OscConfig = field(default_factory=OscConfig)
    web: WebConfig = field(default_factory=WebConfig)
    oscquery: OscQueryConfig = field(default_factory=OscQueryConfig)
    audio: AudioConfig = field(default_factory=AudioConfig)
    intake: IntakeConfig = field(default_factory=IntakeConfig)
    event: EventConfig = field(default_factory=EventConfig)
    cluster: ClusterConfig = field(default_factory=ClusterConfig)
    source: Path = Path("config.toml")


def load_config(path: Path) -> Config:
    """Read and validate `path`; raise `ProblemError` listing every bad key."""
    path = path.resolve()
    raw, text = read_toml(path)
    problems: list[Problem] = []
    sections: dict[str, Any] = {}
    hints = typing.get_type_hints(Config)
    for name, value in raw.items():
        if name not in hints or name == "source":
            known = ", ".join(f"[{s}]" for s in hints if s != "source")
            problems.append(Problem(path, locate(text, (name,)),
                                    f"unknown section [{name}]; expected one of {known}"))
        elif not isinstance(value, dict):
            problems.append(Problem(path, locate(text, (name,)),
                                    f"[{name}] must be a table, got {type(value).__name__}"))
        else:
            sections[name] = _build(hints[name], value, name, path, text, problems)
    if not problems:
        config = Config(**sections, source=path)
        config = _resolve_paths(config, path.parent)
        problems.extend(_check_values(config, text))
    if problems:
        raise ProblemError(problems)
    return config


def _build(kind: type, values: dict[str, Any], section: str, path: Path, text: str,
           problems: list[Problem]) -> Any:
    hints = typing.get_type_hints(kind)
    accepted: dict[str, Any] = {}
    for key, value in values.items():
        line = locate(text, (section, key))
        if (section, key) in RETIRED:
            log.warning("%s:%d: [%s] %s is no longer read: %s; remove it", path, line,
                        section, key, RETIRED[section, key])
            continue
        if key not in hints:
            known = ", ".join(f.name for f in fields(kind))
            problems.append(Problem(path, line,
                                    f"unknown key [{section}] {key}; expected one of {known}"))
            continue
        try:
            accepted[key] = _coerce(value, hints[key])
        except (TypeError, ValueError) as error:
            problems.append(Problem(path, line, f"[{section}] {key}: {error}"))
    return kind(**accepted)


def _coerce(value: Any, hint: Any) -> Any:
    """Check `value` against a type hint, converting lists to tuples and str to Path."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        if value is None and type(None) in args:
            return None
        errors = []
        for option in (a for a in args if a is not type(None)):
            try:
                return _coerce(value, option)
            except (TypeError, ValueError) as error:
                errors.append(str(error))
        raise TypeError(" or ".join(errors))
    if origin is tuple:
        if not isinstance(value, list):
            raise TypeError(f"expected a list, got {_describe(value)}")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_coerce(v, args[0]) for v in value)
        if len(value) != len(args):
            raise ValueError(f"expected a list of {len(args)} values, got {len(value)}")
        return tuple(_coerce(v, a) for v, a in zip(value, args, strict=True))
    if origin is dict:
        if not isinstance(value, dict):
            raise TypeError(f"expected a table, got {_describe(value)}")
        return {_coerce(k, args[0]): _coerce(v, args[1]) for k, v in value.items()}
    if hint is Path:
        if not isinstance(value, str):
            raise TypeError(f"expected a path string, got {_describe(value)}")
        return Path(value)
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if hint is int and isinstance(value, bool):
        raise TypeError("expected an integer, got a boolean")
    if not isinstance(value, hint):
        raise TypeError(f"expected {_name(hint)}, got {_describe(value)}")
    return value


def _name(hint: Any) -> str:
    return {int: "an integer", float: "a number", str: "a string", bool: "true or false"}.get(
        hint, getattr(hint, "__name__", str(hint)))


def _describe(value: Any) -> str:
    return f"{type(value).__name__} {value!r}"


def _resolve_paths(config: Config, base: Path) -> Config:
    def absolute(p: Path) -> Path:
        return p if p.is_absolute() else (base / p).resolve()

    paths = PathsConfig(**{f.name: absolute(getattr(config.paths, f.name))
                           for f in fields(PathsConfig)})
    font = config.display.font
    display = config.display if font is None else _replace(config.display, font=absolute(font))
    cluster = _replace(config.cluster, **{key: absolute(getattr(config.cluster, key))
                                          for key in ("credentials", "tls_ca")
                                          if getattr(config.cluster, key) is not None})
    return _replace(config, paths=paths, display=display, cluster=cluster)


def _replace(obj: Any, **changes: Any) -> Any:
    values = {f.name: getattr(obj, f.name) for f in fields(obj)}
    values.update(changes)
    return type(obj)(**values)


def _check_values(config: Config, text: str) -> list[Problem]:
    """Range and consistency checks that types alone cannot express."""
    source = config.source
    problems: list[Problem] = []

    def complain(section: str, key: str, message: str) -> None:
        line = locate(text, (section, key))
        problems.append(Problem(source, line, f"[{section}] {key}: {message}"))

    for key in ("scenes", "shaders"):
        folder = getattr(config.paths, key)
        if not folder.is_dir():
            complain("paths", key, f"folder {folder} does not exist; expected a folder of {key}")
    width, height = config.display.size
    if not (16 <= width <= 16384 and 16 <= height <= 16384):
        complain("display", "size", f"{width}x{height} is out of range; expected 16..16384 each")
    if not 1 <= config.display.fps <= 240:
        complain("display", "fps", f"{config.display.fps} is out of range; expected 1..240")
    if config.display.preview_seconds <= 0:
        complain("display", "preview_seconds", "expected a positive number of seconds")
    if config.display.font is not None and not config.display.font.is_file():
        complain("display", "font", f"font file {config.display.font} does not exist")
    if not 1 <= config.display.picture_slots <= 2048:
        complain("display", "picture_slots", "expected 1..2048 (each slot is 256 KiB of GPU "
                 "memory)")
    if config.display.gpu_budget_mb < config.display.picture_slots / 4 + 16:
        complain("display", "gpu_budget_mb", "expected room for the picture slots (256 KiB "
                 "each) and at least one 16 MiB page of thumbnails")
    if not 0.005 <= config.display.text_size <= 0.3:
        complain("display", "text_size", "expected a fraction of the screen height, 0.005..0.3")
    if not 0 <= config.osc.port <= 65535:
        complain("osc", "port", f"{config.osc.port} is not a UDP port; expected 0..65535")
    if not 0 <= config.osc.reply_port <= 65535:
        complain("osc", "reply_port", "expected 0 (the sender's port) or a UDP port")
    for key in ("rate", "queue", "horizon", "subscribers", "bind_retry_seconds"):
        if getattr(config.osc, key) <= 0:
            complain("osc", key, "expected a positive number")
    if not 0 <= config.oscquery.port <= 65535:
        complain("oscquery", "port", f"{config.oscquery.port} is not a TCP port; expected "
                 "0..65535")
    name = config.oscquery.name
    if not name.strip() or len(name.encode()) > 63 or any(ord(c) < 32 for c in name):
        complain("oscquery", "name", "expected a name of 1 to 63 bytes, without control "
                 "characters (it is shown in VJ tools' lists)")
    for network in config.osc.allow:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError:
            complain("osc", "allow", f"{network!r} is not an address or CIDR range")
    _check_web(config.web, complain)
    if config.audio.backend not in AUDIO_BACKENDS:
        expected = ", ".join(AUDIO_BACKENDS)
        complain("audio", "backend", f"{config.audio.backend!r} is unknown; expected {expected}")
    if config.audio.sample_rate not in (22050, 44100, 48000, 88200, 96000):
        complain("audio", "sample_rate", "expected 22050, 44100, 48000, 88200 or 96000")
    if config.audio.buffer_size not in (64, 128, 256, 512, 1024, 2048, 4096):
        complain("audio", "buffer_size", "expected a power of two from 64 to 4096")
    if not 1 <= config.audio.channels <= 64:
        complain("audio", "channels", "expected 1..64 output channels")
    if not (config.paths.sound / f"{config.audio.module}.py").is_file():
        complain("audio", "module", f"no soundscape {config.audio.module!r} in "
                 f"{config.paths.sound} (expected {config.audio.module}.py)")
    if not 0 <= config.audio.volume <= 1:
        complain("audio", "volume", "expected 0..1")
    for key in ("crossfade_seconds", "stall_seconds", "retry_seconds", "probe_seconds"):
        if getattr(config.audio, key) <= 0:
            complain("audio", key, "expected a positive number of seconds")
    if not -40 <= config.audio.loudness <= -6:
        complain("audio", "loudness", "expected -40..-6 LUFS (-23 for a venue, EBU R128)")
    if not 0 <= config.audio.loudness_reach <= 24:
        complain("audio", "loudness_reach", "expected 0..24 dB (0 plays the module as composed)")
    if not 0 <= config.audio.fade_seconds <= 30:
        complain("audio", "fade_seconds", "expected 0..30 seconds")
    intake = config.intake
    if intake.settle_seconds < 0 or intake.rescan_seconds <= 0:
        complain("intake", "settle_seconds", "expected settle_seconds >= 0 and rescan_seconds > 0")
    for key in ("workers", "decode_timeout", "worker_memory_mb", "max_file_mb", "max_megapixels",
                "max_frames", "max_seconds", "max_text_chars", "image_size"):
        if getattr(intake, key) <= 0:
            complain("intake", key, "expected a positive number")
    if intake.worker_memory_mb < 256:
        complain("intake", "worker_memory_mb", "a decoder needs at least 256 MiB")
    vocabulary = {"theme": config.event.themes, "sequence": config.event.sequences,
                  "parcours": tuple(config.event.parcours), "moment": config.event.moments}
    for key, value in config.event.defaults.items():
        if key == "author":
            continue
        if key not in vocabulary:
            complain("event.defaults", key, "expected theme, sequence, parcours, moment or author")
        elif value not in vocabulary[key]:
            complain("event.defaults", key, f"{value!r} is not one of the event's {key}s")
    if config.event.language not in LANGUAGES:
        complain("event", "language", f"{config.event.language!r} is not read; expected one "
                 f"of {', '.join(LANGUAGES)}")
    _check_cluster(config, complain)
    sequences = set(config.event.sequences)
    themes = set(config.event.themes)
    for name, crossing in config.event.parcours.items():
        for sequence, theme in crossing.items():
            if sequence not in sequences or theme not in themes:
                complain("event", "parcours",
                         f"parcours {name!r}: {sequence} = {theme!r} is not a sequence and a "
                         "theme of [event]")
    return problems


def _check_web(web: WebConfig, complain: typing.Callable[[str, str, str], None]) -> None:
    """The web door's values; a door without a long enough token is not opened."""
    if not 0 <= web.port <= 65535:
        complain("web", "port", f"{web.port} is not a TCP port; expected 0..65535")
    if web.enabled and len(web.moderator_token) < MIN_TOKEN:
        complain("web", "moderator_token", f"expected at least {MIN_TOKEN} characters "
                 "(moderators type it once on their tablet); the web door needs one")
    if web.public_url and not web.public_url.startswith(("http://", "https://")):
        complain("web", "public_url", f"{web.public_url!r} is not an http:// or https:// "
                 "address (what the QR code says)")
    for key in ("max_upload_mb", "uploads_per_minute", "burst", "staging_mb",
                "connections_per_address", "header_seconds", "min_rate_kb",
                "bind_retry_seconds"):
        if getattr(web, key) <= 0:
            complain("web", key, "expected a positive number")


def shown_part(shows: str, event: EventConfig) -> tuple[str, str] | None:
    """`[cluster] shows` as (field, name): ("parcours", "savoirs partagés"); None for the
    whole carte. Raises ValueError naming what is expected."""
    if shows == "all":
        return None
    field_name, _, name = shows.partition(":")
    choices = {"parcours": tuple(event.parcours), "theme": event.themes,
               "sequence": event.sequences}
    if field_name not in choices or name.strip() not in choices[field_name]:
        known = "; ".join(f"{k}:{'|'.join(v)}" for k, v in choices.items())
        raise ValueError(f"{shows!r} is not what a screen can show; expected \"all\" or one "
                         f"of {known}")
    return field_name, name.strip()


def _check_cluster(config: Config, complain: typing.Callable[[str, str, str], None]) -> None:
    """The backbone's values; checked even while off, so turning it on holds no surprise."""
    cluster = config.cluster
    if not STREAM_NAME.match(cluster.stream):
        complain("cluster", "stream", f"{cluster.stream!r}: expected 1 to 32 letters, digits, "
                 "_ or - (the same on every node)")
    for server in cluster.servers:
        if not SERVER_URL.match(server):
            complain("cluster", "servers", f"{server!r} is not nats://HOST:PORT or "
                     "tls://HOST:PORT")
    if cluster.steering not in STEERING:
        complain("cluster", "steering", f"{cluster.steering!r}: expected \"show\" (this "
                 "node's scene and transport reach every node) or \"room\" (only here)")
    if not 1 <= cluster.replicas <= 5:
        complain("cluster", "replicas", "expected 1..5 (3 for three servers)")
    try:
        shown_part(cluster.shows, config.event)
    except ValueError as error:
        complain("cluster", "shows", str(error))
    for key in ("credentials", "tls_ca"):
        path = getattr(cluster, key)
        if path is not None and not path.is_file():
            complain("cluster", key, f"file {path} does not exist")
    if not cluster.enabled:
        return
    if not NODE_NAME.match(cluster.node):
        complain("cluster", "node", f"{cluster.node!r}: each machine needs its own name, 1 to "
                 "32 lower-case letters, digits, _ or - (e.g. \"salle-croisements\")")
    if not cluster.servers:
        complain("cluster", "servers", "expected at least one nats://HOST:PORT")
    if cluster.credentials is None and not (cluster.user and cluster.password):
        complain("cluster", "user", "the backbone takes no anonymous node: set user and "
                 "password (or credentials, a NATS .creds file)")


def defaults_text(paths: PathsConfig | None = None) -> str:
    """The engine's defaults as a config file's text (`paths` where given): what tests
    and benches start from, whatever a venue made of its own `config.toml`."""
    tables: list[str] = []
    config = Config(paths=paths or PathsConfig())
    for section in fields(Config):
        if section.name == "source":
            continue
        values = getattr(config, section.name)
        lines, subtables = [f"[{section.name}]"], []
        for key in fields(values):
            value = getattr(values, key.name)
            if isinstance(value, dict):
                head = f"{section.name}.{key.name}"
                plain = {k: v for k, v in value.items() if not isinstance(v, dict)}
                if plain:
                    subtables.append(_table(head, plain))
                subtables += [_table(f"{head}.{_toml(k)}", v) for k, v in value.items()
                              if isinstance(v, dict)]
            elif value is not None:
                lines.append(f"{key.name} = {_toml(value)}")
        tables.append("\n".join(lines) + "\n" + "".join(f"\n{t}" for t in subtables))
    return "\n".join(tables)


def _table(name: str, values: dict[str, Any]) -> str:
    return f"[{name}]\n" + "".join(f"{k} = {_toml(v)}\n" for k, v in values.items())


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)  # a TOML basic string
