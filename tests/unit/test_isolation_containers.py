"""Container isolation without an engine: strategy, targets and images, error classification,
interpreter selection, what crosses into the container."""

from __future__ import annotations

from pathlib import Path

import pytest

from headless_wheel_builder import _proc
from headless_wheel_builder.build.in_container import RESULT_NAME, _parse_result, _read_result, inner_error
from headless_wheel_builder.errors import (
    BuildError,
    ContainerEngineUnavailableError,
    ContainerError,
    ContainerImageError,
    ContainerKilledError,
    InterpreterNotFoundError,
    MatrixError,
    UsageError,
)
from headless_wheel_builder.isolation.container_setup import (
    container_environment,
    hwb_requirements,
    select_pythons,
)
from headless_wheel_builder.isolation.docker import Mount
from headless_wheel_builder.isolation.engine import Engine, run_error, unavailable_error
from headless_wheel_builder.isolation.images import dockerfile_tag
from headless_wheel_builder.isolation.strategy import choose_isolation
from headless_wheel_builder.platforms import default_image, parse_policy, pinned_images

DOCKER = Engine(name="docker", executable="/usr/bin/docker")
PODMAN = Engine(name="podman", executable="/usr/bin/podman")


def found(engine):
    return lambda _preferred: (engine, "")


def missing(_preferred):
    return None, "no container engine found (docker or podman)"


@pytest.mark.parametrize(
    ("kwargs", "kind", "reason"),
    [
        ({"pure": True, "find": found(DOCKER)}, "venv", "pure-Python project"),
        ({"pure": False, "find": found(DOCKER)}, "docker", "platform wheels for manylinux_2_28"),
        ({"pure": None, "find": found(PODMAN)}, "podman", "built in its image with podman"),
        ({"pure": False, "system": "Darwin", "find": found(DOCKER)}, "venv", "this is Darwin"),
        ({"pure": False, "repair": "never", "find": found(DOCKER)}, "venv", "--repair never"),
        ({"pure": False, "find": missing}, "venv", "no working container engine"),
    ],
)
def test_auto_strategy(kwargs, kind, reason):
    choice = choose_isolation("auto", system=kwargs.pop("system", "Linux"), **kwargs)
    assert choice.kind == kind
    assert reason in choice.reason
    assert (choice.warning is not None) == (reason == "no working container engine")


def test_the_fallback_warning_says_what_is_lost_and_how_to_get_it():
    choice = choose_isolation("auto", pure=False, target="musllinux_1_2", system="Linux", find=missing)
    assert choice.warning is not None
    assert "not in a musllinux_1_2 container" in choice.warning
    assert "will not install on older systems" in choice.warning
    assert "install Docker or Podman" in choice.warning


@pytest.mark.parametrize("mode", ["venv", "docker", "podman"])
def test_explicit_modes_are_obeyed(mode):
    choice = choose_isolation(mode, pure=True, find=missing)
    assert choice.kind == mode
    assert choice.reason == f"asked for (--isolation {mode})"


@pytest.mark.parametrize(
    ("text", "expected_target", "pinned"),
    [
        (None, "manylinux_2_28", "manylinux_2_28"),
        ("manylinux2014", "manylinux_2_17", "manylinux2014"),
        ("2_28", "manylinux_2_28", "manylinux_2_28"),
        ("manylinux_2_31", "manylinux_2_31", "manylinux_2_28"),  # newest image not newer than it
        ("2.34", "manylinux_2_34", "manylinux_2_34"),
        ("musllinux_1_2", "musllinux_1_2", "musllinux_1_2"),
    ],
)
def test_targets_pick_the_pinned_image(text, expected_target, pinned):
    target = parse_policy(text)
    assert str(target) == expected_target
    image, name = default_image(target, "x86_64")
    assert name == pinned
    assert image.startswith(f"quay.io/pypa/{pinned}_x86_64:")


def test_every_pinned_image_is_official_and_dated():
    for name, table in pinned_images().items():
        for arch, image in table.items():
            if arch in ("glibc", "musl"):
                continue
            repo, _, tag = image.partition("@")[0].rpartition(":")
            assert repo == f"quay.io/pypa/{name}_{arch}"
            assert tag[:4].isdigit(), image


def test_unknown_targets_are_usage_errors():
    with pytest.raises(UsageError):
        parse_policy("windows")
    with pytest.raises(UsageError, match="no pinned image"):
        default_image(parse_policy("2_5"), "x86_64")


def test_dockerfile_tag_follows_the_content(tmp_path):
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM scratch\n")
    first = dockerfile_tag(dockerfile)
    assert first == dockerfile_tag(dockerfile)
    dockerfile.write_text("FROM scratch\nENV A=1\n")
    assert dockerfile_tag(dockerfile) != first
    assert first.startswith("hwb-custom:")


@pytest.mark.parametrize(
    ("output", "what"),
    [
        ("Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?",
         "the Docker daemon is not running"),
        ("permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock",
         "docker refused this user"),
        ("Error: error setting rlimit type 7: operation not permitted",
         "podman cannot set its resource limits"),
    ],
)  # fmt: skip
def test_engine_failures_are_told_apart(output, what):
    error = unavailable_error("docker" if "podman" not in what else "podman", output)
    assert isinstance(error, ContainerEngineUnavailableError)
    assert error.what.startswith(what)
    assert error.hint


def test_run_failures_are_classified():
    killed = _proc.ProcessFailed(["docker", "exec"], 137, "Killed\n")
    assert isinstance(run_error(DOCKER, "built the project", killed), ContainerKilledError)
    offline = _proc.ProcessFailed(
        ["docker", "pull"], 1, 'Error response from daemon: Get "https://x/v2/": dial tcp'
    )
    assert isinstance(run_error(DOCKER, "pulled x", offline, image="x"), ContainerImageError)
    other = _proc.ProcessFailed(["docker", "exec"], 2, "something\nerror: it broke\nhint: do this\n")
    error = run_error(DOCKER, "built the project", other)
    assert type(error) is ContainerError
    assert error.why == "error: it broke"


def test_podman_gets_its_rlimits_docker_does_not():
    flags = PODMAN.run_flags()
    assert flags[0] == "--ulimit"
    assert flags[1].startswith("nofile=")
    assert "nproc=32768:32768" in flags
    assert DOCKER.run_flags() == []


def test_host_settings_cross_by_name_and_can_be_turned_off(monkeypatch, tmp_path):
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    monkeypatch.setenv("PIP_INDEX_URL", "https://user:secret@index.example/simple")
    env, mounts = container_environment(tmp_path, environment={"FOO": "1"})
    assert env["PIP_INDEX_URL"] == "https://user:secret@index.example/simple"
    assert env["SSL_CERT_FILE"] == env["PIP_CERT"] == "/hwb/ca-bundle.pem"
    assert env["FOO"] == "1"
    assert Mount(source=str(bundle.resolve()), target="/hwb/ca-bundle.pem", readonly=True) in mounts
    assert any(m.volume and m.source == "hwb-cache" for m in mounts)
    assert Mount(source=str(tmp_path.resolve()), target="/hwb/src-ro", readonly=True) in mounts
    env, mounts = container_environment(tmp_path, host_settings=False, caches=False)
    assert "PIP_INDEX_URL" not in env
    assert "SSL_CERT_FILE" not in env
    assert not any(m.volume for m in mounts)


def test_mount_flags():
    assert Mount(source="/a", target="/b", readonly=True).flag() == "type=bind,source=/a,target=/b,readonly"
    assert Mount(source="v", target="/c", volume=True).flag() == "type=volume,source=v,target=/c"


def test_requirements_for_the_container_leave_out_publishing():
    reqs = hwb_requirements()
    names = {r.split(">")[0].split("=")[0].split(";")[0].strip().lower() for r in reqs}
    assert {"build", "packaging", "uv", "pyproject-hooks"} <= names
    assert not names & {"boto3", "httpx", "jinja2", "id"}


FOUND = {
    "/opt/python/cp310-cp310/bin/python": "3.10",
    "/opt/python/cp312-cp312/bin/python": "3.12",
    "/usr/bin/python3": "3.9",
}


def test_pythons_are_chosen_from_what_the_image_has():
    assert select_pythons(FOUND, ("3.12", "cp310")) == [
        "/opt/python/cp312-cp312/bin/python",
        "/opt/python/cp310-cp310/bin/python",
    ]
    assert select_pythons(FOUND, ("all",))[0] == "/usr/bin/python3"
    assert select_pythons(FOUND, ("/opt/custom/python",)) == ["/opt/custom/python"]
    with pytest.raises(InterpreterNotFoundError, match=r"3\.13 is not in the container"):
        select_pythons(FOUND, ("3.13",))


def test_inner_errors_keep_their_class_and_the_result_file_is_versioned(tmp_path):
    import json

    error_doc = {"ok": False, "error": "matrix-failed", "exit_code": 44, "message": "m", "why": "w"}
    envelope = {"schema": "hwb-result/1", "ok": False, "result": error_doc}
    assert _parse_result(json.dumps(envelope)) == error_doc
    # Console output, an unknown schema version or a bare report is never taken for a result.
    assert _parse_result("Successfully built x.whl") is None
    assert _parse_result(json.dumps({**envelope, "schema": "hwb-result/99"})) is None
    assert _parse_result(json.dumps(error_doc)) is None
    (tmp_path / RESULT_NAME).write_text("{not json")
    with pytest.raises(BuildError, match="no readable result file"):
        _read_result(tmp_path / RESULT_NAME, None)
    error = inner_error(error_doc, log_file=Path(tmp_path / "log"))
    assert isinstance(error, MatrixError)
    assert error.exit_code == 44
    assert error.what == "in the container: m"


def test_the_build_inside_a_container_gets_the_options_as_registry_flags(tmp_path):
    """The argv of the build inside is derived from the registry: parsed by the generated
    ``hwb build`` parser it gives back the build options; the host's own options stay out."""
    import argparse

    from headless_wheel_builder import api
    from headless_wheel_builder.cli.build import add_arguments, cli_values

    given = {
        "config-settings": {"flavour": "x", "many": ["a", "b"]}, "test-command": "pytest {project}",
        "test-requires": ["pytest"], "jobs": 3, "fail-fast": True, "manylinux": "2_28", "installer": "pip",
        "timeout": 90.0, "select": ["cp312-*"], "distributions": ["wheel"], "repair": "always",
        "container-engine-args": ["--memory=8g"], "isolation-mode": "docker", "outdir": tmp_path / "o",
    }  # fmt: skip
    settings = api.resolve_config(tmp_path, cli=given, environ={})
    args = api.container_options(settings).build_args
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    back = cli_values(parser.parse_args(list(args)))
    host_side = {"container-engine-args", "isolation-mode", "outdir"}
    assert back == {k: v for k, v in given.items() if k not in host_side}


IMAGE_PYTHONS = {
    "/opt/python/cp310-cp310/bin/python": "3.10",
    "/opt/python/cp312-cp312/bin/python": "3.12",
    "/opt/python/cp313-cp313t/bin/python": "3.13t",
    "/opt/python/pp310-pypy310_pp73/bin/python": "pypy3.10",
}


def test_pypy_and_free_threaded_pythons_of_an_image_are_chosen_by_name_never_by_all():
    """(issue 18, families 1 and 4) A manylinux image's PyPy and free-threaded CPython are
    built when named; `all` and the runner are its CPythons with the GIL."""
    from headless_wheel_builder.isolation.container_setup import runner_python

    assert select_pythons(IMAGE_PYTHONS, ("pp310", "3.13t")) == [
        "/opt/python/pp310-pypy310_pp73/bin/python",
        "/opt/python/cp313-cp313t/bin/python",
    ]
    assert select_pythons(IMAGE_PYTHONS, ("all",)) == [
        "/opt/python/cp310-cp310/bin/python",
        "/opt/python/cp312-cp312/bin/python",
    ]
    assert runner_python(IMAGE_PYTHONS) == "/opt/python/cp312-cp312/bin/python"
    with pytest.raises(InterpreterNotFoundError, match=r"pp39 is not in the container") as info:
        select_pythons(IMAGE_PYTHONS, ("pp39",))
    assert "3.10, 3.12, 3.13t, pypy3.10" in (info.value.why or "")


def test_the_image_listing_names_real_interpreters_by_what_they_are(tmp_path):
    """The listing command, run against a /opt/python of links to this machine's interpreters
    (a CPython, and Debian's pypy3 when installed), names each as --python does."""
    import shutil
    import subprocess
    import sys

    from headless_wheel_builder.isolation.container_setup import _LIST_PYTHONS, parse_listing

    layout = {"cp3x-cp3x": sys.executable}
    if shutil.which("pypy3"):
        layout["pp39-pypy39_pp73"] = str(shutil.which("pypy3"))
    for folder, exe in layout.items():
        (tmp_path / folder / "bin").mkdir(parents=True)
        (tmp_path / folder / "bin" / "python").symlink_to(exe)
    command = _LIST_PYTHONS.replace("/opt/python", str(tmp_path))
    output = subprocess.run(["sh", "-c", command], capture_output=True, text=True, check=True).stdout
    listed = parse_listing(output)
    here = f"{sys.version_info[0]}.{sys.version_info[1]}"
    assert listed[str(tmp_path / "cp3x-cp3x" / "bin" / "python")] == here
    if "pp39-pypy39_pp73" in layout:
        assert listed[str(tmp_path / "pp39-pypy39_pp73" / "bin" / "python")].startswith("pypy3.")
