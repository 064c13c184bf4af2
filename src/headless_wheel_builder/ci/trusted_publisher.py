"""The values to enter in PyPI's Trusted Publisher form, derived rather than typed.

Owner and repository come from the git remote; the workflow file and the environment from the
pipeline ``hwb ci generate`` wrote (its ``# hwb-ci:`` header), or from the one it would write.
A mismatch in any of them makes PyPI refuse the upload with ``invalid-publisher``, so hwb prints
exactly what the form wants.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from headless_wheel_builder import _git as git_door
from headless_wheel_builder import _proc
from headless_wheel_builder._log import redact
from headless_wheel_builder.ci.generate import (
    DEFAULT_PATHS,
    CiOptions,
    Provider,
    generate_pipeline,
    read_header,
)
from headless_wheel_builder.errors import CiError

Index = Literal["pypi", "testpypi"]
_HOSTS: dict[Index, str] = {"pypi": "pypi.org", "testpypi": "test.pypi.org"}
_SCP_RE = re.compile(r"^(?:[^@/\s]+@)?(?P<host>[^:/\s]+):(?P<path>[^\s]+)$")
_URL_RE = re.compile(
    r"^[a-z][a-z0-9+.-]*://(?:[^@/\s]*@)?(?P<host>[^/:\s]+)(?::\d+)?/(?P<path>[^\s]+)$", re.I
)


@dataclass(frozen=True, kw_only=True)
class RemoteRepo:
    """``owner/name`` of a repository on ``host`` (GitLab: ``owner`` is the full namespace)."""

    host: str
    owner: str
    name: str


def parse_remote(url: str) -> RemoteRepo | None:
    """``git@github.com:org/repo.git``, ``https://gitlab.com/group/sub/repo``, ``ssh://…`` →
    RemoteRepo; None for anything else (a local path, a URL without owner and name)."""
    url = url.strip()
    match = _URL_RE.match(url) or (None if "://" in url else _SCP_RE.match(url))
    if match is None:
        return None
    path = match["path"].strip("/").removesuffix(".git").strip("/")
    owner, _, name = path.rpartition("/")
    if not owner or not name:
        return None
    return RemoteRepo(host=match["host"].lower(), owner=owner, name=name)


@dataclass(frozen=True, kw_only=True)
class TrustedPublisher:
    """One Trusted Publisher entry, field by field as PyPI's form labels them."""

    provider: Provider
    project: str
    owner: str
    repository: str
    workflow: str
    environment: str | None
    index: Index = "pypi"
    remote_url: str = ""
    workflow_written: bool = True
    """False when the workflow is not on disk yet (the values are those it would have)."""
    notes: tuple[str, ...] = ()

    @property
    def host(self) -> str:
        """``pypi.org`` or ``test.pypi.org``: whose form this is."""
        return _HOSTS[self.index]

    @property
    def form_url(self) -> str:
        """Where to add it: the project's publishing settings (new projects: a pending one)."""
        return f"https://{_HOSTS[self.index]}/manage/project/{self.project}/settings/publishing/"

    @property
    def pending_form_url(self) -> str:
        return f"https://{_HOSTS[self.index]}/manage/account/publishing/"

    def fields(self) -> list[tuple[str, str]]:
        """(label, value) in the order of PyPI's form."""
        if self.provider == "github":
            rows = [
                ("PyPI Project Name", self.project),
                ("Owner", self.owner),
                ("Repository name", self.repository),
                ("Workflow name", self.workflow),
            ]
        else:
            rows = [
                ("PyPI Project Name", self.project),
                ("Namespace", self.owner),
                ("Project name", self.repository),
                ("Top-level pipeline file path", self.workflow),
            ]
        rows.append(("Environment name", self.environment or "(leave empty)"))
        return rows

    def to_dict(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "index": self.index,
            "project": self.project,
            "owner": self.owner,
            "repository": self.repository,
            "workflow": self.workflow,
            "environment": self.environment,
            "remote_url": redact(self.remote_url),
            "workflow_written": self.workflow_written,
            "form_url": self.form_url,
            "pending_form_url": self.pending_form_url,
            "fields": dict(self.fields()),
            "notes": list(self.notes),
        }


def _git(root: Path, *args: str) -> str | None:
    try:
        return git_door.run(args, cwd=root).output.strip() or None
    except _proc.ProcessFailed:
        return None


def find_trusted_publisher(
    project_dir: Path,
    *,
    provider: Provider | None = None,
    workflow: Path | None = None,
    remote: str = "origin",
    index: Index | None = None,
) -> TrustedPublisher:
    """Derive the Trusted Publisher values for the project in ``project_dir``.  ``index`` None:
    the index the generated pipeline publishes to (its header's ``repository``), else PyPI."""
    root, url, parsed = _repository(project_dir, remote)
    notes: list[str] = []
    header: dict[str, str] | None = None
    candidates = (
        [workflow] if workflow else [root / DEFAULT_PATHS[p] for p in _provider_order(provider, parsed)]
    )
    found = next((path for path in candidates if path.is_file()), None)
    if found is not None:
        header = read_header(found.read_text(encoding="utf-8"))
        if header is None:
            notes.append(
                f"{found} was not generated by hwb: its environment could not be read; check it by hand"
            )
    chosen: Provider = provider or _provider_of(header, found, parsed)
    if header is None:
        # Only the header is read: the requirement the jobs would install does not matter here.
        generated = generate_pipeline(project_dir, CiOptions(provider=chosen, hwb_requirement="."))
        header = read_header(generated.text) or {}
        if found is None:
            notes.append(
                f"{DEFAULT_PATHS[chosen]} does not exist yet: run `hwb ci generate {chosen}` and commit it"
            )
    notes.extend(_trust_notes(header, chosen, parsed))
    environment = header.get("environment")
    workflow_name = header.get("workflow") or (found.name if found else DEFAULT_PATHS[chosen])
    if chosen == "gitlab" and found is not None:
        workflow_name = _relative(found, root)
    return TrustedPublisher(
        provider=chosen,
        project=header.get("project") or project_dir.resolve().name,
        owner=parsed.owner,
        repository=parsed.name,
        workflow=workflow_name,
        environment=None if environment in (None, "-") else environment,
        index=index or ("testpypi" if header.get("repository") == "testpypi" else "pypi"),
        remote_url=url,
        workflow_written=found is not None,
        notes=tuple(notes),
    )


def _repository(project_dir: Path, remote: str) -> tuple[Path, str, RemoteRepo]:
    """The git work tree's root, the remote's URL, and the owner and name read from it."""
    root_text = _git(project_dir, "rev-parse", "--show-toplevel")
    if root_text is None:
        raise CiError(
            f"{project_dir} is not in a git repository",
            why="Trusted Publishing identifies the repository that runs the workflow",
            hint="run this in a clone of the repository that will publish",
        )
    root = Path(root_text)
    url = _git(root, "remote", "get-url", remote)
    if url is None:
        raise CiError(
            f"the git remote {remote!r} is not set",
            why="the owner and repository name come from the remote's URL",
            hint=f"git remote add {remote} git@github.com:OWNER/REPO.git (or name another with --remote)",
        )
    parsed = parse_remote(url)
    if parsed is None:
        raise CiError(
            f"cannot read an owner and a repository from the remote {remote!r}",
            why=f"its URL is {redact(url)}",
            hint="use a GitHub or GitLab remote such as git@github.com:OWNER/REPO.git",
        )
    return root, url, parsed


def _trust_notes(header: dict[str, str], chosen: Provider, parsed: RemoteRepo) -> list[str]:
    """What would stop PyPI from trusting this workflow."""
    notes: list[str] = []
    if header.get("publish") not in (None, "trusted"):
        notes.append(
            f"the workflow publishes with --publish {header['publish']}: regenerate it with --publish trusted"
        )
    if chosen == "github" and parsed.host != "github.com":
        notes.append(f"the remote is on {parsed.host}: PyPI trusts only github.com for GitHub Actions")
    if chosen == "gitlab" and parsed.host != "gitlab.com":
        notes.append(f"the remote is on {parsed.host}: PyPI trusts only gitlab.com for GitLab CI")
    return notes


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.name


def _provider_order(provider: Provider | None, parsed: RemoteRepo) -> list[Provider]:
    if provider is not None:
        return [provider]
    return ["gitlab", "github"] if "gitlab" in parsed.host else ["github", "gitlab"]


def _provider_of(header: dict[str, str] | None, found: Path | None, parsed: RemoteRepo) -> Provider:
    if header and header.get("provider") in ("github", "gitlab"):
        return "gitlab" if header["provider"] == "gitlab" else "github"
    if found is not None:
        return "gitlab" if found.name.endswith(".gitlab-ci.yml") else "github"
    return "gitlab" if "gitlab" in parsed.host else "github"
