"""The config names each bad key with its file and line; good files load typed."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.config import Config, PathsConfig, defaults_text, load_config
from engine.problems import ProblemError
from tests.conftest import ROOT, set_config


def problems_of(config: Path) -> list[str]:
    with pytest.raises(ProblemError) as raised:
        load_config(config)
    return [str(p) for p in raised.value.problems]


def line_of(config: Path, text: str) -> int:
    lines = config.read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if line.startswith(text))


def test_the_defaults_as_a_file_load_back_with_the_event_vocabulary(tmp_path: Path) -> None:
    """The tests' own config (never the venue's edited one) is the engine's defaults."""
    for folder in ("scenes", "shaders", "sound"):
        (tmp_path / folder).symlink_to(ROOT / folder)
    path = tmp_path / "config.toml"
    path.write_text(defaults_text(), encoding="utf-8")
    config = load_config(path)
    assert config.display.size == (1280, 720)
    assert config.event.themes == ("capacitations", "datas", "coopérations", "démocratie")
    assert config.event.parcours["savoirs partagés"]["possibles"] == "datas"
    assert config.paths.inbox == tmp_path / "inbox"
    assert config.osc.allow == ("127.0.0.0/8", "::1/128")
    absolute = PathsConfig(**{k: getattr(config.paths, k) for k in vars(PathsConfig())})
    assert config == Config(paths=absolute, source=path.resolve())


def test_a_retired_key_is_named_not_fatal(project: Path,
                                         caplog: pytest.LogCaptureFixture) -> None:
    text = project.read_text(encoding="utf-8").replace("[web]\n", "[web]\nqueue = 32\n")
    project.write_text(text, encoding="utf-8")
    config = load_config(project)
    assert config.web.staging_mb == 2048
    line = line_of(project, "[web]") + 1
    assert f"{project}:{line}: [web] queue is no longer read" in caplog.text
    assert "staging_mb" in caplog.text


def test_relative_paths_resolve_against_the_config_folder(project: Path) -> None:
    config = load_config(project)
    assert config.paths.scenes == project.parent / "scenes"
    assert config.paths.data == project.parent / "data"


def test_unknown_key_is_named_with_file_and_line(project: Path) -> None:
    text = project.read_text(encoding="utf-8").replace("fps = 60", "fps = 60\nfsp = 30")
    project.write_text(text, encoding="utf-8")
    [problem] = problems_of(project)
    assert problem.startswith(f"{project}:{line_of(project, 'fsp')}: ")
    assert "unknown key [display] fsp" in problem and "fps" in problem


def test_wrong_type_names_key_expected_and_got(project: Path) -> None:
    set_config(project, "osc", "port", '"nine thousand"')
    [problem] = problems_of(project)
    assert f"{project}:{line_of(project, 'port')}: [osc] port: expected an integer" in problem
    assert "nine thousand" in problem


def test_every_problem_is_reported_at_once(project: Path) -> None:
    set_config(project, "display", "size", "[1280]")
    set_config(project, "audio", "backend", '"wasapi"')
    text = project.read_text(encoding="utf-8") + "\n[lights]\ndmx = 1\n"
    project.write_text(text, encoding="utf-8")
    found = problems_of(project)
    assert len(found) == 2  # values are checked once the types are right
    assert any("[display] size: expected a list of 2 values" in p for p in found)
    assert any("unknown section [lights]" in p for p in found)


def test_bad_values_and_missing_folders(project: Path) -> None:
    set_config(project, "audio", "backend", '"wasapi"')
    set_config(project, "paths", "shaders", '"no/such/folder"')
    set_config(project, "osc", "allow", '["127.0.0.1/8", "not-an-address"]')
    found = "\n".join(problems_of(project))
    assert "[audio] backend: 'wasapi' is unknown; expected auto, portaudio" in found
    assert "[paths] shaders: folder" in found and "no/such/folder does not exist" in found
    assert "[osc] allow: 'not-an-address' is not an address" in found


def test_toml_syntax_error_points_at_its_line(project: Path) -> None:
    text = project.read_text(encoding="utf-8").replace("fps = 60", "fps = = 60")
    project.write_text(text, encoding="utf-8")
    [problem] = problems_of(project)
    assert problem.startswith(f"{project}:{line_of(project, 'fps')}: TOML syntax")


def test_parcours_must_cross_known_themes(project: Path) -> None:
    text = project.read_text(encoding="utf-8").replace(
        'possibles = "datas"', 'possibles = "astrologie"')
    project.write_text(text, encoding="utf-8")
    [problem] = problems_of(project)
    assert "parcours 'savoirs partagés'" in problem and "'astrologie'" in problem
