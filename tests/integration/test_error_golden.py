"""Golden texts for the ten most common errors: the `error:`, `log:` and `hint:` lines users
read.  Regenerate with HWB_UPDATE_GOLDEN=1 after a deliberate wording change."""

from __future__ import annotations

import io
import os
import re
import tarfile
from pathlib import Path

import pytest

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "errors"


def _tiny(project_copy):
    return project_copy("tiny-backend")


def _archive(tmp_path: Path) -> Path:
    archive = tmp_path / "evil-1.0.tar.gz"
    with tarfile.open(archive, "w:gz") as tf:
        info = tarfile.TarInfo("evil-1.0/../../escaped.txt")
        info.size = 2
        tf.addfile(info, io.BytesIO(b"hi"))
    return archive


def _project(tmp_path: Path, text: str) -> Path:
    src = tmp_path / "proj"
    src.mkdir()
    (src / "pyproject.toml").write_text(text)
    return src


CASES = {
    "path-missing": lambda t, c, g: (["build", t / "nope"], 11),
    "not-a-project": lambda t, c, g: ((t / "empty").mkdir() or ["build", t / "empty"], 12),
    "malformed-pyproject": lambda t, c, g: (
        ["build", _project(t, '[project]\nname = "x"\nversion = \n')], 21),
    "unsafe-archive": lambda t, c, g: (["build", _archive(t)], 13),
    "unknown-git-ref": lambda t, c, g: (["build", f"git+file://{g}@no-such-branch"], 14),
    "unknown-backend": lambda t, c, g: (["build", _project(
        t, '[build-system]\nrequires = []\nbuild-backend = "no_such_backend_xyz"\n'
        '[project]\nname = "x"\nversion = "1"\n')], 41),
    "backend-raised": lambda t, c, g: (["build", _tiny(c), "-C", "mode=raise"], 42),
    "editable-unsupported": lambda t, c, g: (["build", _tiny(c), "--editable"], 43),
    "interpreter-missing": lambda t, c, g: (["build", _tiny(c), "--python", "3.2"], 33),
    "invalid-config": lambda t, c, g: (["build", _project(t, '[project]\nname = "x"\nversion = "1"\n'
                                                          '[tool.hwb]\noutdri = "x"\ntimeout = -1\n')], 3),
}


def _normalise(text: str, tmp_path: Path, git_repo: Path) -> str:
    lines = [line for line in text.splitlines() if line.startswith(("error:", "hint:", "log:", "  /"))]
    out = "\n".join(lines) + "\n"
    out = out.replace(str(git_repo), "<REPO>").replace(str(tmp_path), "<TMP>")
    out = re.sub(r"log: .*\.log", "log: <LOG>", out)
    out = re.sub(r"found: [\d., ]+", "found: <VERSIONS>", out)
    return re.sub(r"Python 3\.\d+\.\d+", "Python <VERSION>", out)


@pytest.mark.parametrize("name", sorted(CASES))
def test_error_text(name, hwb, project_copy, tmp_path, git_repo):
    args, code = CASES[name](tmp_path, project_copy, git_repo)
    result = hwb(*args, "-o", tmp_path / "dist", cwd=tmp_path)
    assert result.code == code, result.stderr
    text = _normalise(result.stderr, tmp_path, git_repo)
    golden = GOLDEN / f"{name}.txt"
    if os.environ.get("HWB_UPDATE_GOLDEN") == "1":
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text)
    changed = f"{name}: the error text changed; rerun with HWB_UPDATE_GOLDEN=1 if that was intended"
    assert text == golden.read_text(), changed
