"""Generate CI pipelines that build and publish a project with hwb: GitHub Actions and GitLab CI.

The pipeline is rendered from Jinja2 templates beside this module (``templates/``) and depends
only on the project's files and the options, so regenerating gives the same bytes.  What the
project needs decides the shape: a pure-Python project gets one build job (sdist, then the wheel
from it); a project with platform wheels gets an sdist job, a ``hwb matrix --format github``
planning job and one wheel job per identifier (GitHub; Linux wheels in the official manylinux
image through ``hwb build --isolation docker``, aarch64 on an arm runner or under QEMU), or
jobs that run in the manylinux images themselves with a ``parallel: matrix`` of Pythons
(GitLab).  A publish job runs on ``v*`` tags, with Trusted Publishing (``id-token: write`` /
``id_tokens``), an API token from a secret, or not at all; a release job then makes the
GitHub/GitLab release of the tag with ``hwb vcs-release``.

What the jobs install is a requirement (``--hwb-requirement``, config ``ci-hwb-requirement``);
without one, :func:`default_hwb_requirement` derives it from how the running hwb was installed
(PEP 610 ``direct_url.json``) and refuses when a CI runner could not install the same thing.
"""

from __future__ import annotations

import difflib
import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from headless_wheel_builder.errors import CiError

Provider = Literal["github", "gitlab"]
PublishMode = Literal["trusted", "token", "none"]
Aarch64Mode = Literal["native", "qemu"]
WriteStatus = Literal["created", "updated", "unchanged"]

PROVIDERS: tuple[Provider, ...] = ("github", "gitlab")
PUBLISH_MODES: tuple[PublishMode, ...] = ("trusted", "token", "none")
AARCH64_MODES: tuple[Aarch64Mode, ...] = ("native", "qemu")
#: The distribution name of hwb (what ``--hwb-requirement`` installs).
DISTRIBUTION = "headless-wheel-builder"
#: Where each provider looks for its pipeline (relative to the repository root).
DEFAULT_PATHS: dict[Provider, str] = {"github": ".github/workflows/release.yml", "gitlab": ".gitlab-ci.yml"}
#: The first line of the machine-readable header every generated file carries.
HEADER_PREFIX = "# hwb-ci: "


@dataclass(frozen=True, kw_only=True)
class PinnedAction:
    """A GitHub Action pinned to a full commit SHA (the tag named in a comment)."""

    repo: str
    sha: str
    tag: str

    def __str__(self) -> str:
        return f"{self.repo}@{self.sha}  # {self.tag}"


#: Every action the generated workflows use, pinned by commit (zizmor's unpinned-uses rule);
#: Dependabot or Renovate can bump them in the generated file.
ACTIONS: dict[str, PinnedAction] = {
    "checkout": PinnedAction(
        repo="actions/checkout", sha="11bd71901bbe5b1630ceea73d27597364c9af683", tag="v4.2.2"
    ),
    "setup-python": PinnedAction(
        repo="actions/setup-python", sha="a26af69be951a213d495a4c3e4e4022e16d87065", tag="v5.6.0"
    ),
    "setup-uv": PinnedAction(
        repo="astral-sh/setup-uv", sha="f0ec1fc3b38f5e7cd731bb6ce540c5af426746bb", tag="v6.1.0"
    ),
    "cache": PinnedAction(repo="actions/cache", sha="5a3ec84eff668545956fd18022155c47e93e2684", tag="v4.2.3"),
    "upload-artifact": PinnedAction(
        repo="actions/upload-artifact", sha="ea165f8d65b6e75b540449e92b4886f43607fa02", tag="v4.6.2"
    ),
    "download-artifact": PinnedAction(
        repo="actions/download-artifact", sha="d3f86a106a0bac45b974a628896c90dbdf5c8093", tag="v4.3.0"
    ),
    "setup-qemu": PinnedAction(
        repo="docker/setup-qemu-action", sha="29109295f81e9208d7d86ff1c6c12d2833863392", tag="v3.6.0"
    ),
}
#: GitLab.com's hosted arm64 runners (the aarch64 wheel job asks for them by tag).
GITLAB_ARM_TAG = "saas-linux-small-arm64"
#: The manylinux target of the GitLab wheel jobs' images (resources/images.toml).
GITLAB_POLICY = "manylinux_2_28"

#: Index name -> (project page, OIDC audience).
_INDEXES = {
    "pypi": ("https://pypi.org/project/{}/", "pypi"),
    "testpypi": ("https://test.pypi.org/project/{}/", "testpypi"),
}
_REQUIREMENT_RE = re.compile(r"^[^\s\"'$`\\][^\n\r\"'$`\\]*$")
_NAME_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$")


@dataclass(frozen=True, kw_only=True)
class CiOptions:
    """What ``hwb ci generate`` makes."""

    provider: Provider = "github"
    publish: PublishMode = "trusted"
    repository: Literal["pypi", "testpypi"] = "pypi"
    environment: str = "pypi"
    """The deployment environment of the publish job (PyPI's Trusted Publisher form asks for it)."""
    attest: bool = False
    """Sign PEP 740 attestations with Sigstore and upload them (``hwb publish --attest``)."""
    hwb_requirement: str | None = None
    """What the jobs install (``uv tool install``): any pip requirement or URL.  None: derived
    from how this hwb was installed (:func:`default_hwb_requirement`)."""
    aarch64: Aarch64Mode = "native"
    """Linux aarch64 wheels on GitHub: on ``ubuntu-24.04-arm`` runners, or under QEMU on x86_64."""
    vcs_release: bool = True
    """Add the job that makes the GitHub/GitLab release of a tag (``hwb vcs-release``)."""
    python: str = "3.12"
    """The Python that runs hwb in the sdist, plan and publish jobs."""
    branch: str = "main"
    token_secret: str = "PYPI_API_TOKEN"  # noqa: S105 - the name of a secret, not one
    """``--publish token``: the secret (GitHub) or CI/CD variable (GitLab) holding the token."""


@dataclass(frozen=True, kw_only=True)
class GeneratedPipeline:
    """A rendered pipeline and the facts it was made from."""

    provider: Provider
    publish: PublishMode
    path: Path
    """Where it belongs, relative to the repository root (unless --output said otherwise)."""
    text: str
    project: str
    pure: bool
    environment: str | None
    """The publish job's environment (None without a publish job)."""
    hwb_requirement: str = ""
    """What the jobs install to run hwb (given, or derived by :func:`default_hwb_requirement`)."""

    @property
    def workflow_file(self) -> str:
        return self.path.name

    def to_dict(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "publish": self.publish,
            "path": str(self.path),
            "project": self.project,
            "pure": self.pure,
            "environment": self.environment,
            "hwb_requirement": self.hwb_requirement,
        }


@dataclass(frozen=True, kw_only=True)
class WriteResult:
    path: Path
    status: WriteStatus


def _matrix_args(project_dir: Path) -> tuple[str, tuple[str, ...], bool]:
    """Flags for ``hwb matrix`` in the plan job (only for what [tool.hwb] leaves unset), the
    Pythons of the GitLab matrix, and whether Linux aarch64 wheels are built."""
    from headless_wheel_builder.analyze.analyzer import analyze
    from headless_wheel_builder.config.resolve import resolve
    from headless_wheel_builder.platforms import parse_pythons, requires_python_excludes, split_list

    settings = resolve(project_dir, environ={})
    args: list[str] = []
    if settings.values["pythons"].source == "default":
        args.append("--python all")
    if settings.values["platforms"].source == "default":
        args.append("--platform linux,macos,windows")
    if settings.values["archs"].source == "default":
        # The native arch everywhere, plus Linux aarch64 (an arm runner or QEMU); the aarch64
        # family would also add Windows ARM64, whose runners lack most Pythons.
        args.append("--arch native,aarch64")
        if settings.values["skip"].source == "default":
            args.append('--skip "*-win_arm64"')
    archs = [a.lower() for a in split_list(list(settings.options.archs))] or ["native", "aarch64"]
    configured = [p.strip() for v in settings.options.pythons for p in str(v).split(",") if p.strip()]
    requires = analyze(project_dir).requires_python
    versions = sorted({r.version for r in parse_pythons(configured or ["all"]) if r.version is not None})
    pythons = tuple(f"{a}.{b}" for a, b in versions if not requires_python_excludes(requires, f"{a}.{b}"))
    return "".join(f" {a}" for a in args), pythons, bool({"aarch64", "arm64"} & set(archs))


def default_hwb_requirement() -> str:
    """What CI installs when no requirement is given: what this hwb was installed from.

    From an index (no PEP 610 ``direct_url.json``): ``headless-wheel-builder==<version>``; from
    a git URL: that URL at the installed commit; from a wheel or sdist URL: that URL.  A local
    folder or file (an editable install, a wheel on disk) is nothing a CI runner can install:
    CiError says what to pass instead."""
    from importlib import metadata

    from headless_wheel_builder._log import redact

    try:
        dist = metadata.distribution(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        dist = None
    text = dist.read_text("direct_url.json") if dist is not None else None
    if dist is not None and text is None:
        return f"{DISTRIBUTION}=={dist.version}"
    data: dict[str, Any] = json.loads(text) if text else {}
    url = str(data.get("url", ""))
    scheme, _, rest = url.partition("://")
    # A runner can reach it, and it carries no credentials (they must not go into a CI file).
    remote = scheme in ("https", "http", "ssh") and "@" not in rest.split("/", maxsplit=1)[0]
    vcs = data.get("vcs_info")
    if remote and isinstance(vcs, dict) and vcs.get("commit_id"):
        return f"{DISTRIBUTION} @ {vcs.get('vcs', 'git')}+{url}@{vcs['commit_id']}"
    if remote and "archive_info" in data:
        return f"{DISTRIBUTION} @ {url}"
    source = _source_url(dist)
    where = f"from {redact(url)}" if url else "without package metadata"
    raise CiError(
        "cannot tell what the CI jobs should install to get hwb",
        why=f"this hwb was installed {where}, which a CI runner cannot reach, and "
        f"{DISTRIBUTION} is not published on PyPI yet",
        hint="pass --hwb-requirement (or set ci-hwb-requirement in [tool.hwb]): "
        + (f"git+{source}@<tag or commit>, " if source else "a git URL with a tag or commit, ")
        + f"a wheel's URL, {DISTRIBUTION}==X.Y.Z from an index your CI uses, or . in hwb's own checkout",
    )


def _source_url(dist: Any) -> str | None:
    """The project's ``Source`` URL from hwb's metadata (``[project.urls]``)."""
    if dist is None:
        return None
    for entry in dist.metadata.get_all("Project-URL") or []:
        label, _, url = str(entry).partition(",")
        if label.strip().lower() in ("source", "repository") and url.strip().startswith("https://"):
            return url.strip().rstrip("/") + ".git"
    return None


def _header(fields: dict[str, str]) -> str:
    return " ".join(f"{k}={v}" for k, v in fields.items())


def read_header(text: str) -> dict[str, str] | None:
    """The ``# hwb-ci:`` fields of a generated pipeline, or None if hwb did not make it."""
    for line in text.splitlines()[:10]:
        if line.startswith(HEADER_PREFIX):
            pairs = (item.partition("=") for item in line[len(HEADER_PREFIX) :].split())
            return {k: v for k, _, v in pairs if k}
    return None


def generate_pipeline(
    project_dir: Path, options: CiOptions, *, path: Path | None = None
) -> GeneratedPipeline:
    """Render the pipeline for the project in ``project_dir``."""
    from headless_wheel_builder.__about__ import __version__
    from headless_wheel_builder.analyze.analyzer import analyze

    _validate(options)
    info = analyze(project_dir)
    if not info.name:
        raise CiError(
            f"cannot generate a pipeline for {project_dir}",
            why="the project's name is unknown",
            hint="set [project] name in pyproject.toml (hwb inspect shows what hwb found)",
        )
    pure = info.pure is True
    matrix_args, pythons, aarch64 = _matrix_args(project_dir)
    requirement = options.hwb_requirement or default_hwb_requirement()
    if not _REQUIREMENT_RE.match(requirement):
        raise CiError(
            f"invalid hwb requirement {requirement!r}",
            why="it goes into YAML and shell lines: quotes, $, `, \\ and line breaks are not allowed",
            hint="give a requirement such as headless-wheel-builder==1.2.3, a git or wheel URL, or .",
        )
    target = path or Path(DEFAULT_PATHS[options.provider])
    images = _gitlab_images(aarch64)
    page, audience = _INDEXES[options.repository]
    environment = options.environment if options.publish != "none" else None
    header = {
        "provider": options.provider,
        "publish": options.publish,
        "project": info.name,
        "workflow": target.name,
        "environment": environment or "-",
        "repository": options.repository,
    }
    context = {
        "hwb_version": __version__,
        "command": _command(options),
        "header": _header(header),
        "pure": pure,
        "publish": options.publish,
        "repository": options.repository,
        "repository_label": "TestPyPI" if options.repository == "testpypi" else "PyPI",
        "environment": options.environment,
        "project_url": page.format(info.name),
        "audience": audience,
        "attest": options.attest,
        "hwb_requirement": requirement,
        "local_hwb": requirement.startswith((".", "/")),
        "python": options.python,
        "python_tag": "cp" + options.python.replace(".", ""),
        "branch": options.branch,
        "token_secret": options.token_secret,
        "matrix_args": matrix_args,
        "qemu": options.aarch64 == "qemu",
        "vcs_release": options.vcs_release,
        "gitlab_pythons": pythons,
        "gitlab_images": images,
        "gitlab_build_jobs": ["build"] if pure else ["sdist", *(f"wheels-{arch}" for arch in images)],
        "gitlab_arm_tag": GITLAB_ARM_TAG,
        "actions": {name: str(action) for name, action in ACTIONS.items()},
    }
    text = _render(f"{options.provider}.yml.j2", context)
    return GeneratedPipeline(
        provider=options.provider,
        publish=options.publish,
        path=target,
        text=text,
        project=info.name,
        pure=pure,
        environment=environment,
        hwb_requirement=requirement,
    )


def _validate(options: CiOptions) -> None:
    if options.provider not in PROVIDERS:
        raise CiError(f"unknown CI provider {options.provider!r}", hint="use github or gitlab")
    if options.publish not in PUBLISH_MODES:
        raise CiError(f"unknown publish mode {options.publish!r}", hint="use trusted, token or none")
    if options.aarch64 not in AARCH64_MODES:
        raise CiError(f"unknown aarch64 mode {options.aarch64!r}", hint="use native or qemu")
    if not re.fullmatch(r"3\.\d{1,2}", options.python):
        raise CiError(f"invalid Python version {options.python!r}", hint="give X.Y, e.g. 3.12")
    for label, value in (("environment", options.environment), ("token secret", options.token_secret)):
        if not _NAME_RE.match(value):
            raise CiError(f"invalid {label} {value!r}", hint="use letters, digits, '.', '_' and '-'")


def _gitlab_images(aarch64: bool) -> dict[str, str]:
    """arch -> the pinned manylinux image the GitLab wheel jobs run in."""
    from headless_wheel_builder.platforms import pinned_images

    table = pinned_images()[GITLAB_POLICY]
    return {
        arch: table[arch] for arch in ("x86_64", "aarch64") if arch in table and (aarch64 or arch == "x86_64")
    }


def _command(options: CiOptions) -> str:
    parts = ["hwb ci generate", options.provider, "--publish", options.publish]
    if options.repository != "pypi":
        parts += ["--repository", options.repository]
    if options.environment != "pypi":
        parts += ["--environment", options.environment]
    if options.attest:
        parts.append("--attest")
    if options.publish == "token" and options.token_secret != "PYPI_API_TOKEN":  # noqa: S105
        parts += ["--token-secret", options.token_secret]
    if options.python != "3.12":
        parts += ["--python-version", options.python]
    if options.aarch64 != "native":
        parts += ["--aarch64", options.aarch64]
    if not options.vcs_release:
        parts.append("--no-vcs-release")
    if options.hwb_requirement:
        parts += ["--hwb-requirement", shlex.quote(options.hwb_requirement)]
    return " ".join(parts)


def _render(template: str, context: dict[str, Any]) -> str:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("headless_wheel_builder.ci", "templates"),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # noqa: S701 - YAML, not HTML; values are quoted with the q filter
    )
    env.filters["q"] = lambda value: json.dumps(str(value))
    text = env.get_template(template).render(**context)
    return re.sub(r"\n{3,}", "\n\n", text)


def write_pipeline(generated: GeneratedPipeline, target: Path, *, force: bool = False) -> WriteResult:
    """Write ``generated`` to ``target``.  A different existing file is replaced only with
    ``force``; otherwise CiError carries the unified diff (existing -> generated)."""
    if target.is_file():
        current = target.read_text(encoding="utf-8")
        if current == generated.text:
            return WriteResult(path=target, status="unchanged")
        if not force:
            diff = "".join(
                difflib.unified_diff(
                    current.splitlines(keepends=True),
                    generated.text.splitlines(keepends=True),
                    fromfile=f"{target} (on disk)",
                    tofile=f"{target} (generated)",
                )
            )
            raise CiError(
                f"{target} exists and differs from what hwb generates",
                details=diff.rstrip("\n"),
                hint="review the diff above; rerun with --force to replace the file",
            )
    existed = target.exists()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(generated.text, encoding="utf-8")
    except OSError as exc:
        raise CiError(f"cannot write {target}", why=exc.strerror or str(exc), hint="check the path") from exc
    return WriteResult(path=target, status="updated" if existed else "created")


@dataclass(frozen=True, kw_only=True)
class CiReport:
    """What ``hwb ci generate`` did: the pipeline, where it goes, and whether it was written."""

    pipeline: GeneratedPipeline
    path: Path
    status: WriteStatus | None
    """None when the pipeline was only rendered (``--stdout``)."""

    def to_dict(self) -> dict[str, Any]:
        return {**self.pipeline.to_dict(), "path": str(self.path), "status": self.status}
