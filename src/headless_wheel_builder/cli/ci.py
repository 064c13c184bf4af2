"""CI pipelines that build and publish with hwb.

  hwb ci generate github|gitlab [--publish trusted|token|none] [--hwb-requirement REQ]
                               [--output PATH] [--force]
      write a GitHub Actions workflow (.github/workflows/release.yml) or a GitLab CI file
      (.gitlab-ci.yml): the sdist, the wheels (one job for a pure project; otherwise a job per
      identifier from `hwb matrix --format github`, Linux wheels in the official manylinux
      image, aarch64 on arm runners or under QEMU with --aarch64 qemu), on v* tags a publish
      job, then the GitHub/GitLab release of the tag (`hwb vcs-release`; --no-vcs-release
      leaves it out).  The jobs install hwb with `uv tool install REQ`: hwb is not on PyPI
      yet, so REQ defaults to what this hwb was installed from when a runner can install it
      too (a git URL at its commit, a wheel URL, a version from an index), and is required
      otherwise.  The output is deterministic; over an existing, different file hwb shows
      the diff and exits 80 unless --force is given.  --stdout prints it instead.
  hwb ci trusted-publisher [--provider github|gitlab] [--workflow FILE] [--remote NAME]
      print the values for PyPI's (or TestPyPI's) Trusted Publisher form, from the git
      remote and the generated workflow (its header names the index it publishes to).
  hwb ci detect
      which CI system this is (GitHub, GitLab, CircleCI, Buildkite, Azure Pipelines, Jenkins,
      or generic CI=true) and what hwb does there.

docs/CI.md has the details.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from headless_wheel_builder.cli._output import CliProgress, Style


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from headless_wheel_builder.cli.main import add_common_flags
    from headless_wheel_builder.config.cli_args import add_options

    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    gen = sub.add_parser(
        "generate",
        help="write a GitHub Actions or GitLab CI pipeline",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    gen.add_argument("provider", choices=["github", "gitlab"], help="the CI system")
    gen.add_argument("--project", type=Path, default=Path(), metavar="DIR", help="the project (default: .)")
    gen.add_argument(
        "--publish",
        choices=["trusted", "token", "none"],
        default="trusted",
        help="publish on v* tags with Trusted Publishing (default), an API token secret, or not",
    )
    gen.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="PATH",
        help="where to write (default: .github/workflows/release.yml or .gitlab-ci.yml "
        "at the repository root)",
    )
    gen.add_argument("--force", action="store_true", help="replace an existing file that differs")
    gen.add_argument("--stdout", action="store_true", help="print the pipeline instead of writing it")
    gen.add_argument("--repository", choices=["pypi", "testpypi"], default="pypi", help="where to publish")
    gen.add_argument(
        "--environment",
        default="pypi",
        metavar="NAME",
        help="the publish job's deployment environment (default: pypi)",
    )
    gen.add_argument("--attest", action="store_true", help="sign and upload PEP 740 attestations")
    gen.add_argument(
        "--token-secret",
        default="PYPI_API_TOKEN",
        metavar="NAME",
        help="--publish token: the secret / CI variable holding the token",
    )
    gen.add_argument(
        "--aarch64",
        choices=["native", "qemu"],
        default="native",
        help="GitHub: build Linux aarch64 wheels on ubuntu-24.04-arm runners (native, default) "
        "or under QEMU on x86_64 runners",
    )
    gen.add_argument(
        "--no-vcs-release",
        dest="vcs_release",
        action="store_false",
        help="no job that makes the GitHub/GitLab release of the tag (hwb vcs-release)",
    )
    gen.add_argument("--python-version", default="3.12", metavar="X.Y", help="the Python that runs hwb")
    add_options(gen, "ci generate")
    add_common_flags(gen, suppress=True)

    tp = sub.add_parser(
        "trusted-publisher",
        help="print the values for PyPI's Trusted Publisher form",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    tp.add_argument("--project", type=Path, default=Path(), metavar="DIR", help="the project (default: .)")
    tp.add_argument(
        "--provider", choices=["github", "gitlab"], help="default: from the workflow or the remote"
    )
    tp.add_argument("--workflow", type=Path, metavar="FILE", help="the workflow (default: the generated one)")
    tp.add_argument("--remote", default="origin", metavar="NAME", help="the git remote (default: origin)")
    tp.add_argument(
        "--index",
        choices=["pypi", "testpypi"],
        help="the index (default: the one the generated workflow publishes to, else pypi)",
    )
    add_common_flags(tp, suppress=True)

    detect = sub.add_parser("detect", help="show which CI system hwb detects")
    add_common_flags(detect, suppress=True)


def run(args: argparse.Namespace, style: Style, progress: CliProgress) -> int:
    if args.action == "generate":
        return _generate(args, style)
    if args.action == "trusted-publisher":
        return _trusted_publisher(args, style)
    return _detect(style)


def _generate(args: argparse.Namespace, style: Style) -> int:
    import shlex
    import sys

    from headless_wheel_builder import api
    from headless_wheel_builder.cli._output import emit_json, out
    from headless_wheel_builder.config.cli_args import values_from_args

    # --hwb-requirement < [tool.hwb] ci-hwb-requirement, HWB_CI_HWB_REQUIREMENT (the cascade).
    settings = api.resolve_config(
        args.project, cli=values_from_args(args, "ci generate"), config_file=args.config
    )
    options = api.CiOptions(
        provider=args.provider,
        publish=args.publish,
        repository=args.repository,
        environment=args.environment,
        attest=args.attest,
        token_secret=args.token_secret,
        hwb_requirement=settings.options.ci_hwb_requirement,
        python=args.python_version,
        aarch64=args.aarch64,
        vcs_release=args.vcs_release,
    )
    report = api.ci_generate(
        args.project, options, output=args.output, write=not args.stdout, force=args.force
    )
    if args.stdout:
        sys.stdout.write(report.pipeline.text)
        return 0
    if style.json:
        emit_json({"ok": True, **report.to_dict()})
        return 0
    shape = "one build job (pure Python)" if report.pipeline.pure else "sdist + a wheel job per identifier"
    out(f"{report.path}: {report.status} ({shape}; publish: {report.pipeline.publish})")
    out(f"the jobs install hwb with: uv tool install {shlex.quote(report.pipeline.hwb_requirement)}")
    if report.pipeline.publish == "trusted" and report.status != "unchanged":
        site = "TestPyPI" if options.repository == "testpypi" else "PyPI"
        out(f"next: `hwb ci trusted-publisher` prints what to enter on {site}")
    return 0


def _trusted_publisher(args: argparse.Namespace, style: Style) -> int:
    from headless_wheel_builder import api
    from headless_wheel_builder.cli._output import emit_json, err, out

    tp = api.ci_trusted_publisher(
        args.project, provider=args.provider, workflow=args.workflow, remote=args.remote, index=args.index
    )
    if style.json:
        emit_json(tp.to_dict())
        return 0
    label = "GitHub" if tp.provider == "github" else "GitLab"
    site = "TestPyPI" if tp.index == "testpypi" else "PyPI"
    out(f"{site} ({tp.host}) > your project > Publishing > Add a new publisher > {label}:")
    width = max(len(name) for name, _ in tp.fields())
    for name, value in tp.fields():
        out(f"  {name.ljust(width)}  {value}")
    out(f"existing project: {tp.form_url}")
    out(f"new project (pending publisher): {tp.pending_form_url}")
    for note in tp.notes:
        err(f"note: {note}")
    return 0


def _detect(style: Style) -> int:
    from headless_wheel_builder import api
    from headless_wheel_builder.cli._output import emit_json, out

    ci = api.detect_ci()
    data = {
        "ci": ci.name,
        "label": ci.label or None,
        "interactive": ci.interactive,
        "fold": ci.fold,
        "step_summary": str(ci.step_summary) if ci.step_summary else None,
        "run_url": ci.run_url,
    }
    if style.json:
        emit_json(data)
        return 0
    if not ci.is_ci:
        out("not in CI: interactive output (spinner on a terminal)")
        return 0
    out(f"{ci.label}: non-interactive output")
    out(f"  fold groups: {ci.fold or 'none'}")
    out(f"  step summary: {ci.step_summary or 'none'}")
    if ci.run_url:
        out(f"  run: {ci.run_url}")
    return 0
