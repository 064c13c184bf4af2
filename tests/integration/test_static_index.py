"""``hwb index``: a static index that pip and uv install from when any static server serves it
(here ``python -m http.server`` on loopback)."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from headless_wheel_builder import api
from headless_wheel_builder.errors import OutputError, ValidationError
from tests.unit._distfactory import FakeWheel

from ._indexdemo import build_demo, free_port, fresh_venv, installed_version, pip, uv_pip

Serve = Callable[[Path], str]


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Serve]:
    """``serve(folder)`` runs ``python -m http.server`` on loopback; returns its base URL."""
    procs: list[subprocess.Popen[bytes]] = []

    def _serve(folder: Path) -> str:
        port = free_port()
        log = (tmp_path / f"http-{port}.log").open("wb")
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "http.server",
                "--bind",
                "127.0.0.1",
                "--directory",
                str(folder),
                str(port),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        procs.append(proc)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(url + "/", timeout=2).close()
                return url
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail("python -m http.server did not start")
                time.sleep(0.05)

    yield _serve
    for proc in procs:
        proc.terminate()
        proc.wait(timeout=10)


def server_log(tmp_path: Path) -> str:
    return "".join(p.read_text(errors="replace") for p in tmp_path.glob("http-*.log"))


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with two versions of two projects (sdist + wheel each), built by hwb."""
    work = tmp_path_factory.mktemp("static")
    out = work / "dist"
    build_demo(work, "hwb-demo.alpha", "1.0", outdir=out)
    build_demo(work, "hwb-demo.alpha", "1.1", requires_python=">=3.8,<4", outdir=out)
    build_demo(work, "HWB_Demo_Beta", "1.0", outdir=out)
    build_demo(work, "HWB_Demo_Beta", "2.0", requires=["hwb-demo-alpha>=1.1"], outdir=out)
    return out


def tree(root: Path) -> dict[str, str]:
    """Relative path -> sha256 of every file under ``root``."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_hwb_index_served_by_http_server_installs_with_pip_and_uv(
    dists: Path, hwb: Any, serve: Serve, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    result = hwb("index", dists, "--out", site, "--json")
    assert result.code == 0, result.stderr
    assert result.json["projects"] == {
        "hwb-demo-alpha": [
            "hwb_demo_alpha-1.0-py3-none-any.whl",
            "hwb_demo_alpha-1.0.tar.gz",
            "hwb_demo_alpha-1.1-py3-none-any.whl",
            "hwb_demo_alpha-1.1.tar.gz",
        ],
        "hwb-demo-beta": [
            "hwb_demo_beta-1.0-py3-none-any.whl",
            "hwb_demo_beta-1.0.tar.gz",
            "hwb_demo_beta-2.0-py3-none-any.whl",
            "hwb_demo_beta-2.0.tar.gz",
        ],
    }
    base = serve(site)
    index_url = f"{base}/simple/"
    with urllib.request.urlopen(f"{index_url}hwb-demo-beta/", timeout=10) as resp:
        assert resp.headers["Content-Type"].startswith("text/html")

    venv = fresh_venv(tmp_path / "pip-venv")
    run = pip(venv, "install", "-v", "--index-url", index_url, "hwb-demo-beta==2.0", tmp=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert installed_version(venv, "hwb_demo_beta") == "2.0"
    assert installed_version(venv, "hwb_demo_alpha") == "1.1"
    assert f"from {index_url}hwb-demo-beta/hwb_demo_beta-2.0-py3-none-any.whl.metadata" in run.stdout
    assert '"GET /simple/hwb-demo-alpha/hwb_demo_alpha-1.1-py3-none-any.whl.metadata HTTP' in server_log(
        tmp_path
    )

    uv_venv = fresh_venv(tmp_path / "uv-venv")
    run = uv_pip(uv_venv, "install", "--index-url", index_url, "hwb-demo-alpha==1.0", tmp=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert installed_version(uv_venv, "hwb_demo_alpha") == "1.0"


def test_regeneration_is_deterministic_and_follows_the_folder(dists: Path, tmp_path: Path) -> None:
    folder = tmp_path / "dist"
    shutil.copytree(dists, folder)
    first = api.index(folder)  # default: into the folder itself
    assert first.root == folder / "simple"
    snapshot = tree(folder / "simple")
    assert "hwb-demo-alpha/index.html" in snapshot
    assert "hwb-demo-alpha/hwb_demo_alpha-1.0-py3-none-any.whl.metadata" in snapshot
    assert "hwb-demo-alpha/hwb_demo_alpha-1.0.tar.gz.metadata" not in snapshot  # wheels only

    api.index(folder)
    assert tree(folder / "simple") == snapshot  # byte for byte
    other = tmp_path / "elsewhere"
    api.index(folder, out=other)
    assert tree(other / "simple") == snapshot  # and independent of where it is written

    for path in folder.glob("hwb_demo_beta-1.0*"):
        path.unlink()
    report = api.index(folder)
    assert report.projects["hwb-demo-beta"] == (
        "hwb_demo_beta-2.0-py3-none-any.whl",
        "hwb_demo_beta-2.0.tar.gz",
    )
    assert not list((folder / "simple" / "hwb-demo-beta").glob("hwb_demo_beta-1.0*"))
    page = json.loads((folder / "simple" / "hwb-demo-beta" / "index.json").read_text())
    assert page["versions"] == ["2.0"]
    assert all("upload-time" not in f for f in page["files"])


def test_base_url_links_files_where_they_are_hosted(dists: Path, serve: Serve, tmp_path: Path) -> None:
    files_url = serve(dists)  # the distributions on one host…
    site = tmp_path / "site"
    report = api.index(dists, out=site, base_url=files_url + "/")
    assert report.base_url == files_url + "/"
    assert not list((site / "simple").rglob("*.whl"))  # …nothing copied
    html = (site / "simple" / "hwb-demo-alpha" / "index.html").read_text()
    assert f'href="{files_url}/hwb_demo_alpha-1.0.tar.gz#sha256=' in html
    assert "data-core-metadata" not in html

    index_url = serve(site) + "/simple/"  # …the pages on another
    venv = fresh_venv(tmp_path / "venv")
    run = pip(venv, "install", "--index-url", index_url, "hwb-demo-alpha", tmp=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert installed_version(venv, "hwb_demo_alpha") == "1.1"


def test_refuses_to_replace_a_folder_it_did_not_make(dists: Path, hwb: Any, tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "simple").mkdir(parents=True)
    (site / "simple" / "precious.txt").write_text("keep me")
    result = hwb("index", dists, "--out", site)
    assert result.code == OutputError.exit_code
    assert "was not made by hwb index" in result.stderr
    assert (site / "simple" / "precious.txt").read_text() == "keep me"


def test_an_invalid_distribution_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "dist"
    FakeWheel(omit=frozenset({"RECORD"})).build(folder)
    with pytest.raises(ValidationError) as info:
        api.index(folder)
    assert "hwb check" in (info.value.hint or "")
    assert not (folder / "simple").exists()


def test_cli_text_output_and_bad_base_url(dists: Path, hwb: Any, tmp_path: Path) -> None:
    result = hwb("index", dists, "--out", tmp_path / "site")
    assert result.code == 0, result.stderr
    assert "2 project(s), 8 file(s)" in result.stdout
    result = hwb("index", dists, "--out", tmp_path / "site", "--base-url", "ftp://host/x")
    assert result.code == 2
    assert "not an http(s) URL" in result.stderr
