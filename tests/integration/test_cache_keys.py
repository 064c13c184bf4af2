"""The wheel cache hits only when nothing that matters changed (issue 17 family 1, issue 21
family 3), through the real CLI and real backends: an environment switch a ``setup.py`` reads
(PyYAML's pattern) and pbr's ``PBR_VERSION`` each get their own wheel, and the miss names the
variable; the terminal, the session and credentials do not matter; an edited package named
``build`` is a miss; a cached build environment is resolved again after ``env-max-age``
(a new release of an unpinned requirement is picked up) and ``--offline`` keeps it."""

from __future__ import annotations

import base64
import hashlib
import json
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def cache_env(tmp_path: Path) -> dict[str, str | None]:
    """A fresh cache, turned on; none of the switches below set by the machine."""
    return {"HWB_CACHE": "true", "HWB_CACHE_DIR": str(tmp_path / "cache"), "ENV_SWITCH_WITH_C": None,
            "ENV_SWITCH_FLAVOR": None, "PBR_VERSION": None, "SOURCE_DATE_EPOCH": None}  # fmt: skip


def _build(
    hwb: Any, src: Path, out: Path, env: dict[str, str | None], *args: str
) -> tuple[dict[str, Any], str]:
    result = hwb("build", src, "--wheel", "-o", out, "--json", *args, env=env)
    assert result.code == 0, result.stderr
    return result.json["artifacts"][0], result.stderr


def _member(wheel: str, suffix: str) -> str:
    with zipfile.ZipFile(wheel) as zf:
        return next(zf.read(n).decode() for n in zf.namelist() if n.endswith(suffix))


def _wheel_entries(hwb: Any, env: dict[str, str | None]) -> list[dict[str, Any]]:
    return [e for e in hwb("cache", "info", "--json", env=env).json["entries"] if e["kind"] == "wheel"]


def test_an_environment_switch_gets_its_own_wheel_and_the_miss_names_it(
    hwb, project_copy, tmp_path, cache_env
):
    src = project_copy("an-env-switch")
    pure, _ = _build(hwb, src, tmp_path / "o1", cache_env)
    assert pure["filename"] == "an_env_switch-1.0.0-py3-none-any.whl"
    assert pure["cached"] is False

    # PYYAML_FORCE_LIBYAML's pattern: the switch makes setup.py build the C extension.
    compiled, stderr = _build(hwb, src, tmp_path / "o2", {**cache_env, "ENV_SWITCH_WITH_C": "1"}, "-v")
    assert compiled["cached"] is False
    assert compiled["filename"].startswith("an_env_switch-1.0.0-cp")
    assert "linux" in compiled["filename"]
    assert "differs in $ENV_SWITCH_WITH_C" in stderr

    # The terminal, the session, CI run ids and credentials cannot matter: the first wheel, served.
    noise = {"TERM": "dumb", "COLUMNS": "33", "SSH_CONNECTION": "10.0.0.1 22 10.0.0.2 22",
             "GITHUB_RUN_ID": "424242", "MY_DEPLOY_TOKEN": "tok-do-not-store-4711"}  # fmt: skip
    again, _ = _build(hwb, src, tmp_path / "o3", {**cache_env, **noise})
    assert again["cached"] is True
    assert again["sha256"] == pure["sha256"]
    assert hashlib.sha256(Path(again["path"]).read_bytes()).hexdigest() == pure["sha256"]

    # A value the build writes into the package; --debug says which variable made the miss.
    env = {**cache_env, "ENV_SWITCH_FLAVOR": "flavour-value-4711"}
    fancy, stderr = _build(hwb, src, tmp_path / "o4", env, "--debug")
    assert fancy["cached"] is False
    assert "flavour-value-4711" in _member(fancy["path"], "env_switch/_flavor.py")
    assert "differs in $ENV_SWITCH_FLAVOR" in stderr
    assert "flavour-value-4711" not in stderr  # names, never values
    assert _build(hwb, src, tmp_path / "o5", env)[0]["cached"] is True

    # hwb cache keeps the reason with the entry each miss made.
    differs = sorted(tuple(e["differs"]) for e in _wheel_entries(hwb, cache_env))
    assert differs == [(), ("$ENV_SWITCH_FLAVOR",), ("$ENV_SWITCH_WITH_C",)]
    text = hwb("cache", "info", "-v", env=cache_env).stdout
    assert "built because it differs from the closest cached build in: $ENV_SWITCH_WITH_C" in text
    # The cache's metadata holds names and hashes, no value and no credential.
    for meta in (tmp_path / "cache" / "wheels").rglob("entry.json"):
        content = meta.read_text()
        for secret in ("flavour-value-4711", "tok-do-not-store-4711", "MY_DEPLOY_TOKEN", "GITHUB_RUN_ID"):
            assert secret not in content, (meta, secret)


@pytest.mark.parametrize("name", ["CMAKE_ARGS", "SKBUILD_CMAKE_DEFINE", "MYPKG_DISABLE_C_EXTENSION"])
def test_switches_real_projects_read_are_misses(hwb, project_copy, tmp_path, cache_env, name):
    """scikit-build-core reads CMAKE_ARGS and SKBUILD_*, projects their own switches: hwb cannot
    know which a project reads, so each is part of the key (and named when it changes)."""
    src = project_copy("tiny-backend")
    _build(hwb, src, tmp_path / "o", cache_env)
    artifact, stderr = _build(hwb, src, tmp_path / "o", {**cache_env, name: "-DX=1"}, "-v")
    assert artifact["cached"] is False
    assert f"differs in ${name}" in stderr
    assert _build(hwb, src, tmp_path / "o", {**cache_env, name: "-DX=1"})[0]["cached"] is True


def test_cache_env_keys_a_variable_the_list_leaves_out(hwb, project_copy, tmp_path, cache_env):
    """A CI run number cannot matter, unless the project says it does (a dev version with it)."""
    src = project_copy("tiny-backend")
    _build(hwb, src, tmp_path / "o", {**cache_env, "GITHUB_RUN_NUMBER": "7"})
    assert _build(hwb, src, tmp_path / "o", {**cache_env, "GITHUB_RUN_NUMBER": "8"})[0]["cached"] is True
    named = {**cache_env, "HWB_CACHE_ENV": "GITHUB_RUN_NUMBER"}
    artifact, stderr = _build(hwb, src, tmp_path / "o", {**named, "GITHUB_RUN_NUMBER": "9"}, "-v")
    assert artifact["cached"] is False
    assert "differs in $GITHUB_RUN_NUMBER" in stderr
    assert _build(hwb, src, tmp_path / "o", {**named, "GITHUB_RUN_NUMBER": "9"})[0]["cached"] is True
    assert _build(hwb, src, tmp_path / "o", {**named, "GITHUB_RUN_NUMBER": "10"})[0]["cached"] is False


def test_pbr_version_builds_another_version(hwb, project_copy, tmp_path, cache_env):
    """pbr takes the version from PBR_VERSION: the cache used to serve 1.0.0 for 2.0.0."""
    src = project_copy("a-pbr-project")
    first, _ = _build(hwb, src, tmp_path / "o1", {**cache_env, "PBR_VERSION": "1.0.0"})
    assert first["filename"] == "a_pbr_project-1.0.0-py3-none-any.whl"
    second, stderr = _build(hwb, src, tmp_path / "o2", {**cache_env, "PBR_VERSION": "2.0.0"}, "-v")
    assert second["filename"] == "a_pbr_project-2.0.0-py3-none-any.whl"
    assert second["cached"] is False
    assert "differs in $PBR_VERSION" in stderr
    assert _build(hwb, src, tmp_path / "o3", {**cache_env, "PBR_VERSION": "1.0.0"})[0]["cached"] is True


def test_an_edited_package_named_build_is_a_miss(hwb, project_copy, tmp_path, cache_env):
    """pypa/build's own code is src/build/: editing it must not serve the old wheel, while the
    root's build/ that setuptools rewrites on every build is still left out."""
    src = project_copy("an-env-switch")
    (src / "src" / "build").mkdir()
    (src / "src" / "build" / "__init__.py").write_text("VERSION = 'old'\n")
    first, _ = _build(hwb, src, tmp_path / "o1", cache_env)
    assert "VERSION = 'old'" in _member(first["path"], "build/__init__.py")
    assert (src / "build").is_dir()  # setuptools' output at the root...
    assert _build(hwb, src, tmp_path / "o2", cache_env)[0]["cached"] is True  # ...is not source

    (src / "src" / "build" / "__init__.py").write_text("VERSION = 'new'\n")
    edited, stderr = _build(hwb, src, tmp_path / "o3", cache_env, "-v")
    assert edited["cached"] is False
    assert "VERSION = 'new'" in _member(edited["path"], "build/__init__.py")
    assert "differs in tree" in stderr


# -- build environments: freshness ---------------------------------------------------------


def _dep_wheel(folder: Path, version: str) -> None:
    """A wheel of ``hwb-probe-dep`` into ``folder`` (the project's unpinned build requirement)."""
    info = f"hwb_probe_dep-{version}.dist-info"
    files = {
        "hwb_probe_dep/__init__.py": f"VERSION = {version!r}\n",
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: hwb-probe-dep\nVersion: {version}\n",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: hwb-tests\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n",
    }
    record = []
    for name, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(text.encode())}")
    files[f"{info}/RECORD"] = "\n".join([*record, f"{info}/RECORD,,"]) + "\n"
    folder.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(folder / f"hwb_probe_dep-{version}-py3-none-any.whl", "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)


def _envs(hwb: Any, env: dict[str, str | None]) -> list[dict[str, Any]]:
    return [e for e in hwb("cache", "info", "--json", env=env).json["entries"] if e["kind"] == "env"]


def test_an_aged_environment_is_resolved_again_and_offline_keeps_it(hwb, project_copy, tmp_path, cache_env):
    src = project_copy("tiny-backend")
    pyproject = src / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("requires = []", 'requires = ["hwb-probe-dep"]'))
    links = tmp_path / "links"  # the "index": a folder of wheels, no network
    _dep_wheel(links, "1.0")
    env = {**cache_env, "PIP_FIND_LINKS": str(links), "UV_FIND_LINKS": str(links), "PIP_NO_INDEX": "1",
           "UV_NO_INDEX": "1", "PIP_INDEX_URL": None, "UV_INDEX_URL": None, "UV_DEFAULT_INDEX": None,
           "UV_INDEX": None, "UV_CACHE_DIR": str(tmp_path / "uv-cache")}  # fmt: skip
    assert _build(hwb, src, tmp_path / "o", env)[0]["cached"] is False
    [created] = _envs(hwb, env)
    assert created["resolved"] == ["hwb-probe-dep==1.0"]
    assert time.time() - created["created"] < 600
    assert "resolved 0 min ago: hwb-probe-dep==1.0" in hwb("cache", "info", "-v", env=env).stdout

    # A newer release of the unpinned requirement: a young environment keeps the old one.
    _dep_wheel(links, "1.1")
    assert _build(hwb, src, tmp_path / "o", env)[0]["cached"] is True

    # Two days old (the environment's own metadata says when it was resolved).
    meta_path = Path(created["path"]) / ".hwb-env.json"
    meta = json.loads(meta_path.read_text())
    meta["created"] -= 2 * 86400
    meta_path.write_text(json.dumps(meta))
    [aged] = _envs(hwb, env)
    assert "resolved 2.0 days ago: hwb-probe-dep==1.0" in hwb("cache", "info", "-v", env=env).stdout
    # --offline and a longer env-max-age keep using it.
    for args, more in ((("--offline",), {}), (("--env-max-age", "3"), {}), ((), {"HWB_OFFLINE": "1"})):
        assert _build(hwb, src, tmp_path / "o", {**env, **more}, *args)[0]["cached"] is True
        assert _envs(hwb, env) == [aged]
    stats = hwb("cache", "info", "--json", env=env).json["stats"]
    assert stats["env_misses"] == 1

    # No index reachable (and no --offline): a warning, and the environment it has.
    unreachable = {**env, "PIP_FIND_LINKS": str(tmp_path / "gone"), "UV_FIND_LINKS": str(tmp_path / "gone")}
    artifact, stderr = _build(hwb, src, tmp_path / "o", unreachable)
    assert artifact["cached"] is True
    assert "could not resolve the build requirements again" in stderr
    assert [(e["path"], e["created"], e["resolved"]) for e in _envs(hwb, env)] == [
        (aged["path"], aged["created"], ["hwb-probe-dep==1.0"])
    ]

    # Otherwise it is resolved again: the new release, a wheel cache miss that says why.
    artifact, stderr = _build(hwb, src, tmp_path / "o", env, "-v")
    assert "Resolving the build environment" in stderr
    assert artifact["cached"] is False
    assert "differs in resolved" in stderr
    [renewed] = _envs(hwb, env)
    assert renewed["path"] == aged["path"]  # the same path: compiler caches keep hitting
    assert renewed["resolved"] == ["hwb-probe-dep==1.1"]
    assert time.time() - renewed["created"] < 600
    assert _build(hwb, src, tmp_path / "o", env)[0]["cached"] is True

    # Aged again, nothing newer to find: resolved again beside it, the environment kept as it is
    # (only its date renewed: a build using it meanwhile is not disturbed), the wheel still served.
    meta = json.loads(meta_path.read_text())
    meta["created"] -= 2 * 86400
    meta_path.write_text(json.dumps(meta))
    marker = Path(renewed["path"]) / "kept-marker"
    marker.write_text("the same folder, untouched")
    artifact, stderr = _build(hwb, src, tmp_path / "o", env, "-v")
    assert artifact["cached"] is True
    assert "Resolving the build environment" in stderr
    assert marker.exists()
    [kept] = _envs(hwb, env)
    assert kept["resolved"] == ["hwb-probe-dep==1.1"]
    assert time.time() - kept["created"] < 600
    assert hwb("cache", "info", "--json", env=env).json["stats"]["env_misses"] == 2
    assert not [p for p in (tmp_path / "cache" / "envs").iterdir() if p.name.startswith(".tmp-")]


@pytest.mark.slow
@pytest.mark.network
def test_a_real_projects_switch_for_its_c_extension(hwb, tmp_path, cache_env, corpus_env):
    """frozenlist's in-tree backend builds pure Python when FROZENLIST_NO_EXTENSIONS is set
    (PyYAML's PYYAML_FORCE_LIBYAML, the other way round): the cache used to serve the pure
    wheel for a build without it.  Unset, hwb's wheel equals pypa/build's reference wheel."""
    from .corpus import assert_equivalent, load_projects

    project = next(p for p in load_projects() if p.name == "frozenlist")
    sdist, _ = corpus_env.sdist(project)
    python = str(corpus_env.interp.executable)
    pure_env = {**cache_env, "FROZENLIST_NO_EXTENSIONS": "1"}
    pure, _ = _build(hwb, sdist, tmp_path / "o1", pure_env, "--python", python)
    assert pure["filename"] == "frozenlist-1.8.0-py3-none-any.whl"

    compiled_env = {**cache_env, "FROZENLIST_NO_EXTENSIONS": None}
    compiled, stderr = _build(hwb, sdist, tmp_path / "o2", compiled_env, "--python", python, "-v")
    assert compiled["cached"] is False
    assert "differs in $FROZENLIST_NO_EXTENSIONS" in stderr
    reference, _ = corpus_env.reference_wheel(project, sdist)
    assert_equivalent(reference, Path(compiled["path"]), "frozenlist with its C extension")
    assert _build(hwb, sdist, tmp_path / "o3", pure_env, "--python", python)[0]["sha256"] == pure["sha256"]
