"""The trust boundary with real parts: a project's own configuration cannot reach the host.

(a) A project whose pyproject.toml sets ``container-engine-args`` (an ``--env`` marker) is built
    with ``hwb build --isolation docker`` on a real Docker engine with the local test image
    (``hwb-test/py:bookworm``, made by .ci/engines.py): the warning names the key and the file,
    and the backend inside the container does not see the marker — while the same argument given
    on the command line does reach it.
(b) A project whose pyproject.toml defines the repositories ``pypi`` and ``corp``, pointed at a
    loopback server that records every request and its Authorization header, and names a
    credential variable: ``hwb publish`` goes to the user's repositories (a real pypiserver, from
    the user's configuration) and the recording server receives nothing; ``--strict`` fails with
    exit code 3 before any request.
"""

from __future__ import annotations

import shutil
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.integration.publish_servers import Server, start_pypiserver
from tests.integration.test_container import IMAGE, _engine_problem
from tests.unit._distfactory import FakeWheel

MARKER_VAR = "HWB_TRUST_MARKER"


# --- (a) container engine arguments ------------------------------------------------------------


@pytest.fixture
def docker() -> str:
    problem = _engine_problem("docker")
    if problem is not None:
        pytest.skip(problem)
    return "docker"


def _probe_project(tmp_path: Path, hwb_table: str) -> Path:
    """tiny-backend, whose backend writes the marker variable it sees into the wheel."""
    project = tmp_path / "probe"
    shutil.copytree(ROOT / "tests" / "packages" / "tiny-backend", project)
    backend = project / "_backend" / "tinybackend.py"
    text = backend.read_text()
    hook = "        init = f.read()\n"
    assert hook in text
    probe = f'    init += ("MARKER = %r\\n" % os.environ.get("{MARKER_VAR}", "absent")).encode()\n'
    backend.write_text(text.replace(hook, hook + probe))
    with (project / "pyproject.toml").open("a") as f:
        f.write("\n[tool.hwb]\n" + hwb_table)
    return project


def _marker(wheel_dir: Path) -> str:
    (wheel,) = wheel_dir.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        source = archive.read("tiny/__init__.py").decode()
    return source.rsplit("MARKER = ", 1)[1].strip().strip("'")


@pytest.mark.slow
def test_project_container_engine_args_have_no_effect(hwb, docker: str, tmp_path: Path) -> None:
    args = f'["--env={MARKER_VAR}=from-project", "--volume=/etc:/host-etc:ro"]'
    project = _probe_project(tmp_path, f"container-engine-args = {args}\n")
    build = ("build", project, "--isolation", docker, "--image", IMAGE, "--wheel")
    result = hwb(*build, "-o", tmp_path / "out", timeout=600)
    assert result.code == 0, result.stderr
    pyproject = project / "pyproject.toml"
    line = pyproject.read_text().splitlines().index("[tool.hwb]") + 2
    assert f"{pyproject}:{line}: tool.hwb.container-engine-args is ignored" in result.stderr
    assert "no effect" in result.stderr
    assert _marker(tmp_path / "out") == "absent"
    # The control: the same argument from the user's side reaches the backend in the container.
    given = hwb(*build, "-o", tmp_path / "out2", f"--container-engine-args=--env={MARKER_VAR}=from-user",
                timeout=600)  # fmt: skip
    assert given.code == 0, given.stderr
    assert _marker(tmp_path / "out2") == "from-user"
    # --strict: a configuration error before any container starts.
    strict = hwb(*build, "-o", tmp_path / "out3", "--strict")
    assert strict.code == 3, strict.stderr
    assert "container-engine-args" in strict.stderr
    assert str(pyproject) in strict.stderr
    assert not (tmp_path / "out3").exists()


def test_config_check_and_show_report_a_user_only_key(hwb, tmp_path: Path) -> None:
    """The pre-commit hook warns about a user-only key in the project's file, and fails with
    --strict; `hwb config show` shows the value was not taken."""
    project = tmp_path / "proj"
    project.mkdir()
    (project / ".git").mkdir()
    (project / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.hwb]\ncontainer-gpus = "all"\n')
    where = f"{project / 'pyproject.toml'}:5: tool.hwb.container-gpus is ignored"
    check = hwb("config", "check", cwd=project)
    assert check.code == 0, check.stderr
    assert where in check.stderr
    strict = hwb("config", "check", "--strict", cwd=project)
    assert strict.code == 3
    assert where in strict.stderr
    show = hwb("config", "show", project, "--json")
    assert show.json["options"]["container-gpus"]["source"] == "default"
    given = hwb("config", "show", project, "--gpus", "device=0", "--json")
    gpus = given.json["options"]["container-gpus"]
    assert gpus == {"value": "device=0", "source": "cli", "origin": "--gpus"}


# --- (b) repositories and credentials ----------------------------------------------------------


class Recorder:
    """An HTTP server on 127.0.0.1 that answers 200 to everything and records each request."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, str | None]] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def _record(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                recorder.requests.append((self.command, self.path, self.headers.get("Authorization")))
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_POST = do_HEAD = _record

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/legacy/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Recorder:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    with Recorder() as server:
        yield server


@pytest.fixture(scope="module")
def pypiserver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from start_pypiserver(tmp_path_factory.mktemp("pypiserver"))


def _publishing_setup(
    tmp_path: Path, recorder: Recorder, pypiserver: Server
) -> tuple[Path, Path, dict[str, str]]:
    project = tmp_path / "proj"
    project.mkdir()
    (project / ".git").mkdir()
    (project / "pyproject.toml").write_text(
        "[project]\nname = 'trusty'\nversion = '1.0'\n\n"
        "[tool.hwb.publish.repositories.pypi]\n"
        f"url = '{recorder.url}'\nusername = 'project-user'\npassword-env = 'USER_SECRET'\n\n"
        "[tool.hwb.publish.repositories.corp]\n"
        f"url = '{recorder.url}'\nauth = 'basic'\npassword-env = 'USER_SECRET'\n"
    )
    user_config = tmp_path / "user-config.toml"
    user_config.write_text(
        "[publish.repositories.corp]\n"
        f"url = '{pypiserver.url}'\nusername = '{pypiserver.username}'\npassword-env = 'CORP_PASSWORD'\n"
    )
    env = {
        "HWB_USER_CONFIG": str(user_config),
        "CORP_PASSWORD": pypiserver.password,
        "USER_SECRET": "s3cret-the-project-wants",
    }
    return project, user_config, env


def test_project_repositories_are_ignored(
    hwb, recorder: Recorder, pypiserver: Server, tmp_path: Path
) -> None:
    project, _, env = _publishing_setup(tmp_path, recorder, pypiserver)
    wheel = FakeWheel(name="trusty", version="1.0", files={"trusty/__init__.py": ""}).build(tmp_path)
    result = hwb("publish", wheel, "-r", "corp", "--json", cwd=project, env=env)
    assert result.code == 0, result.stderr
    assert result.json["files"][0]["status"] == "uploaded"
    assert (pypiserver.root / wheel.name).is_file()  # the user's corp: the real pypiserver
    pyproject = project / "pyproject.toml"
    for name, line in (("pypi", 5), ("corp", 10)):
        assert f"{pyproject}:{line}: tool.hwb.publish.repositories.{name} is ignored" in result.stderr
    assert "no effect" in result.stderr
    assert recorder.requests == []
    # --strict: exit code 3, and still nothing reaches either server.
    again = FakeWheel(name="trusty", version="1.1", files={"trusty/__init__.py": ""}).build(tmp_path)
    strict = hwb("publish", again, "-r", "corp", "--strict", cwd=project, env=env)
    assert strict.code == 3, strict.stderr
    assert "tool.hwb.publish.repositories.pypi" in strict.stderr
    assert "s3cret" not in strict.stderr
    assert not (pypiserver.root / again.name).exists()
    assert hwb("publish", again, "-r", "corp", cwd=project, env={**env, "HWB_STRICT": "1"}).code == 3
    assert recorder.requests == []


def test_the_recorder_records_what_the_user_sends_it(hwb, recorder: Recorder, tmp_path: Path) -> None:
    """The control for the test above: a repository the user names does get the request and
    the credential, so an empty record there means nothing was sent."""
    wheel = FakeWheel(name="trusty", version="1.0", files={"trusty/__init__.py": ""}).build(tmp_path)
    env = {"HWB_PUBLISH_USERNAME": "me", "HWB_PUBLISH_PASSWORD": "pw", "HWB_USER_CONFIG": ""}
    result = hwb("publish", wheel, "-r", recorder.url, "--no-skip-existing", env=env)
    assert result.code == 0, result.stderr
    posts = [auth for method, _, auth in recorder.requests if method == "POST"]
    assert posts
    assert all(auth and auth.startswith("Basic ") for auth in posts)


def test_release_strict_reaches_the_publish_step(
    hwb, recorder: Recorder, pypiserver: Server, tmp_path: Path
) -> None:
    """`hwb release` publishes through the same trust boundary as `hwb publish`: the project's
    own repositories are ignored, and with --strict they stop the release before anything is
    written, committed, tagged or uploaded."""
    from tests.conftest import git

    project, _, env = _publishing_setup(tmp_path, recorder, pypiserver)
    shutil.rmtree(project / ".git")
    text = (project / "pyproject.toml").read_text().replace("name = 'trusty'", "name = 'trusty-rel'")
    (project / "pyproject.toml").write_text(
        "[build-system]\nrequires = ['hatchling']\nbuild-backend = 'hatchling.build'\n\n" + text
        + "\n[tool.hwb.version]\nfiles = ['pyproject.toml']\n\n[tool.hatch.build.targets.wheel]\n"
        "packages = ['trusty_rel']\n"
    )  # fmt: skip
    (project / "trusty_rel").mkdir()
    (project / "trusty_rel" / "__init__.py").write_text("")
    home = tmp_path / "git-home"
    git(project, "init", "-q", "-b", "main", home=home)
    git(project, "add", "-A", home=home)
    git(project, "commit", "-q", "-m", "feat: first", home=home)
    git(project, "tag", "v1.0", home=home)
    (project / "trusty_rel" / "more.py").write_text("")
    git(project, "add", "-A", home=home)
    git(project, "commit", "-q", "-m", "feat: more", home=home)
    env = {**env, "HOME": str(home), "GIT_CONFIG_GLOBAL": "/dev/null"}
    env |= {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t.invalid",
            "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t.invalid"}  # fmt: skip

    strict = hwb("release", "--project", project, "-r", "corp", "--strict", cwd=project, env=env)
    assert strict.code == 3, strict.stderr
    assert "tool.hwb.publish.repositories" in strict.stderr
    assert git(project, "status", "--porcelain", home=home) == ""  # nothing written
    assert git(project, "tag", home=home).split() == ["v1.0"]  # nothing tagged
    assert not list(pypiserver.root.glob("trusty_rel-*"))
    assert recorder.requests == []

    result = hwb("release", "--project", project, "-r", "corp", cwd=project, env=env)
    assert result.code == 0, result.stderr
    assert "tool.hwb.publish.repositories.corp is ignored" in result.stderr
    assert list(pypiserver.root.glob("trusty_rel-1.1.0*"))  # the user's corp: the real pypiserver
    assert recorder.requests == []
