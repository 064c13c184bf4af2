"""ci/: CI detection, git remote parsing, the generator's shape and determinism, writing with a diff."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from headless_wheel_builder.ci.detect import detect_ci, fold_end, fold_start
from headless_wheel_builder.ci.generate import (
    ACTIONS,
    CiOptions,
    generate_pipeline,
    read_header,
    write_pipeline,
)
from headless_wheel_builder.ci.trusted_publisher import RemoteRepo, TrustedPublisher, parse_remote
from headless_wheel_builder.errors import CiError

PACKAGES = Path(__file__).resolve().parents[1] / "packages"
PURE = PACKAGES / "pure-hatch"
EXT = PACKAGES / "an-c-extension"
REQ = "headless-wheel-builder==0.0.0"


# --- detection ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("environ", "name", "fold"),
    [
        ({"GITHUB_ACTIONS": "true", "CI": "true"}, "github", "github"),
        ({"GITLAB_CI": "true", "CI": "true"}, "gitlab", "gitlab"),
        ({"CIRCLECI": "true", "CI": "true"}, "circleci", None),
        ({"BUILDKITE": "true", "CI": "true"}, "buildkite", "buildkite"),
        ({"TF_BUILD": "True"}, "azure", "azure"),
        ({"JENKINS_URL": "https://ci.example/", "BUILD_ID": "7"}, "jenkins", None),
        ({"CI": "true"}, "generic", None),
        ({"CI": "1"}, "generic", None),
    ],
)
def test_detect_ci_names_each_provider(environ: dict[str, str], name: str, fold: str | None) -> None:
    ci = detect_ci(environ)
    assert (ci.name, ci.fold, ci.is_ci, ci.interactive) == (name, fold, True, False)


@pytest.mark.parametrize("environ", [{}, {"CI": "false"}, {"CI": ""}, {"JENKINS_URL": "https://x/"}])
def test_detect_ci_outside_ci_is_interactive(environ: dict[str, str]) -> None:
    ci = detect_ci(environ)
    assert (ci.name, ci.is_ci, ci.interactive) == (None, False, True)


def test_github_step_summary_and_run_url() -> None:
    ci = detect_ci(
        {
            "GITHUB_ACTIONS": "true",
            "GITHUB_STEP_SUMMARY": "/tmp/summary.md",
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_REPOSITORY": "acme/spam",
            "GITHUB_RUN_ID": "42",
        }
    )
    assert ci.step_summary == Path("/tmp/summary.md")
    assert ci.run_url == "https://github.com/acme/spam/actions/runs/42"


def test_fold_markers() -> None:
    assert fold_start("github", "Build") == "::group::Build"
    assert fold_end("github") == "::endgroup::"
    assert fold_start("azure", "Build") == "##[group]Build"
    assert fold_end("azure") == "##[endgroup]"
    assert fold_start("buildkite", "Build") == "--- Build"
    assert fold_end("buildkite") is None
    assert "section_start:5:s[collapsed=true]" in fold_start("gitlab", "Build", section="s", timestamp=5)
    assert "section_end:5:s" in (fold_end("gitlab", section="s", timestamp=5) or "")


# --- git remotes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("git@github.com:acme/spam.git", RemoteRepo(host="github.com", owner="acme", name="spam")),
        ("https://github.com/acme/spam", RemoteRepo(host="github.com", owner="acme", name="spam")),
        ("https://github.com/acme/spam.git/", RemoteRepo(host="github.com", owner="acme", name="spam")),
        ("ssh://git@github.com:22/acme/spam.git", RemoteRepo(host="github.com", owner="acme", name="spam")),
        (
            "https://user:secret@GitLab.com/grp/sub/spam.git",
            RemoteRepo(host="gitlab.com", owner="grp/sub", name="spam"),
        ),
        ("git@gitlab.com:grp/sub/spam", RemoteRepo(host="gitlab.com", owner="grp/sub", name="spam")),
    ],
)
def test_parse_remote(url: str, expected: RemoteRepo) -> None:
    assert parse_remote(url) == expected


@pytest.mark.parametrize("url", ["/srv/git/spam.git", "https://github.com/spam", "file:///srv/x", "nonsense"])
def test_parse_remote_refuses_what_names_no_owner(url: str) -> None:
    assert parse_remote(url) is None


def test_trusted_publisher_fields_follow_pypi_form() -> None:
    tp = TrustedPublisher(
        provider="github",
        project="spam",
        owner="acme",
        repository="spam",
        workflow="release.yml",
        environment="pypi",
    )
    assert tp.fields() == [
        ("PyPI Project Name", "spam"),
        ("Owner", "acme"),
        ("Repository name", "spam"),
        ("Workflow name", "release.yml"),
        ("Environment name", "pypi"),
    ]
    gl = TrustedPublisher(
        provider="gitlab",
        project="spam",
        owner="g/s",
        repository="spam",
        workflow=".gitlab-ci.yml",
        environment=None,
        index="testpypi",
    )
    assert [name for name, _ in gl.fields()][1:4] == [
        "Namespace",
        "Project name",
        "Top-level pipeline file path",
    ]
    assert gl.form_url == "https://test.pypi.org/manage/project/spam/settings/publishing/"


# --- generation ---------------------------------------------------------------------------


def test_pure_project_gets_one_build_job_and_extension_a_matrix() -> None:
    pure = generate_pipeline(PURE, CiOptions(hwb_requirement=REQ))
    ext = generate_pipeline(EXT, CiOptions(hwb_requirement=REQ))
    assert pure.pure
    assert "  build:\n" in pure.text
    assert "hwb matrix" not in pure.text
    assert not ext.pure
    for job in ("  sdist:\n", "  plan:\n", "  wheels:\n", "  publish:\n"):
        assert job in ext.text
    assert "hwb matrix --format github --python all --platform linux,macos,windows" in ext.text
    assert "fromJSON(needs.plan.outputs.matrix)" in ext.text


def test_generation_is_deterministic_and_pins_every_action() -> None:
    first = generate_pipeline(EXT, CiOptions(hwb_requirement=REQ)).text
    assert first == generate_pipeline(EXT, CiOptions(hwb_requirement=REQ)).text
    uses = [line.split("uses:", 1)[1].strip() for line in first.splitlines() if "uses:" in line]
    assert uses
    pinned = {str(action) for action in ACTIONS.values()}
    assert set(uses) <= pinned
    assert all(len(action.sha) == 40 for action in ACTIONS.values())


@pytest.mark.parametrize(
    ("publish", "present", "absent"),
    [
        ("trusted", ["id-token: write", "--trusted-publishing always", "environment:"], ["secrets."]),
        ("token", ["secrets.PYPI_API_TOKEN", "--trusted-publishing never"], ["id-token: write"]),
        ("none", [], ["publish:", "id-token", "environment:"]),
    ],
)
def test_publish_modes_on_github(publish: str, present: list[str], absent: list[str]) -> None:
    text = generate_pipeline(PURE, CiOptions(publish=publish, hwb_requirement=REQ)).text  # type: ignore[arg-type]
    for needle in present:
        assert needle in text
    for needle in absent:
        assert needle not in text


def test_gitlab_uses_id_tokens_and_a_static_python_matrix() -> None:
    text = generate_pipeline(EXT, CiOptions(provider="gitlab", hwb_requirement=REQ)).text
    assert "PYPI_ID_TOKEN:\n      aud: pypi" in text
    assert "parallel:\n    matrix:" in text
    assert '"cp310", "cp311", "cp312", "cp313"' in text
    testpypi = generate_pipeline(
        EXT, CiOptions(provider="gitlab", repository="testpypi", hwb_requirement=REQ)
    )
    assert "TESTPYPI_ID_TOKEN:\n      aud: testpypi" in testpypi.text


def test_requires_python_and_config_shape_the_matrix(tmp_path: Path) -> None:
    project = tmp_path / "ext"
    shutil.copytree(EXT, project)
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text().replace("[project]\n", '[project]\nrequires-python = ">=3.11"\n', 1)
    pyproject.write_text(text + '\n[tool.hwb]\nplatforms = ["linux"]\n')
    github = generate_pipeline(project, CiOptions(hwb_requirement=REQ)).text
    # platforms come from [tool.hwb]; the default archs are the native ones and Linux aarch64
    assert 'hwb matrix --format github --python all --arch native,aarch64 --skip "*-win_arm64")' in github
    gitlab = generate_pipeline(project, CiOptions(provider="gitlab", hwb_requirement=REQ)).text
    assert '- PYTHON_TAG: ["cp311", "cp312", "cp313", "cp314"]' in gitlab


def test_header_round_trips() -> None:
    generated = generate_pipeline(PURE, CiOptions(environment="release", hwb_requirement=REQ))
    assert read_header(generated.text) == {
        "provider": "github",
        "publish": "trusted",
        "project": "pure-hatch",
        "workflow": "release.yml",
        "environment": "release",
        "repository": "pypi",
    }
    assert read_header("name: x\non: push\n") is None


@pytest.mark.parametrize("bad", [CiOptions(environment="pypi prod"), CiOptions(token_secret="X}}")])
def test_unsafe_names_are_refused(bad: CiOptions) -> None:
    with pytest.raises(CiError, match="invalid"):
        generate_pipeline(PURE, bad)


def test_write_shows_a_diff_and_needs_force(tmp_path: Path) -> None:
    target = tmp_path / ".github" / "workflows" / "release.yml"
    old = generate_pipeline(PURE, CiOptions(hwb_requirement=REQ))
    assert write_pipeline(old, target).status == "created"
    assert write_pipeline(old, target).status == "unchanged"
    new = generate_pipeline(PURE, CiOptions(hwb_requirement="headless-wheel-builder==9.9"))
    with pytest.raises(CiError) as info:
        write_pipeline(new, target)
    assert info.value.exit_code == 80
    assert info.value.details is not None
    assert '-  HWB_REQUIREMENT: "headless-wheel-builder==0.0.0"' in info.value.details
    assert '+  HWB_REQUIREMENT: "headless-wheel-builder==9.9"' in info.value.details
    assert target.read_text() == old.text
    assert write_pipeline(new, target, force=True).status == "updated"
    assert target.read_text() == new.text


# --- Linux in manylinux, aarch64, the release job (issue 18 family 5, issue 22) -------------


def test_github_builds_linux_wheels_in_the_manylinux_image_and_aarch64_natively() -> None:
    text = generate_pipeline(EXT, CiOptions(hwb_requirement=REQ)).text
    assert 'run: hwb build --isolation docker --arch "$ARCH" --outdir wheelhouse' in text
    assert "if: \"matrix.platform == 'linux'\"" in text
    assert "runs-on: ${{ matrix.os }}" in text  # ubuntu-24.04-arm for aarch64 (the plan's runner)
    assert "setup-qemu-action" not in text
    qemu = generate_pipeline(EXT, CiOptions(hwb_requirement=REQ, aarch64="qemu")).text
    assert "runs-on: ${{ matrix.platform == 'linux' && 'ubuntu-latest' || matrix.os }}" in qemu
    assert f"uses: {ACTIONS['setup-qemu']}" in qemu
    assert "--aarch64 qemu" in qemu.splitlines()[0]


def test_gitlab_jobs_run_in_the_pinned_manylinux_images() -> None:
    from headless_wheel_builder.platforms import pinned_images

    text = generate_pipeline(EXT, CiOptions(provider="gitlab", hwb_requirement=REQ)).text
    images = pinned_images()["manylinux_2_28"]
    assert f'IMAGE: "{images["x86_64"]}"' in text
    assert f'IMAGE: "{images["aarch64"]}"' in text
    assert 'tags: ["saas-linux-small-arm64"]' in text
    assert '--python "/opt/python/$PYTHON_TAG-$PYTHON_TAG/bin/python"' in text
    assert "needs: [sdist, wheels-x86_64, wheels-aarch64]" in text


def _job(text: str, name: str) -> str:
    start = text.index(f"\n  {name}:\n")
    end = text.find("\n\n  ", start + 1)
    return text[start : end if end != -1 else len(text)]


def test_the_release_job_alone_may_write_contents_and_runs_on_tags() -> None:
    text = generate_pipeline(EXT, CiOptions(hwb_requirement=REQ, attest=True)).text
    release = _job(text, "release")
    assert "needs: [publish]" in release
    assert "startsWith(github.ref, 'refs/tags/')" in release
    assert "contents: write" in release
    assert text.count("contents: write") == 1
    assert 'run: hwb vcs-release "$TAG" dist/' in release
    assert "name: attestations\n          path: dist" in release  # into dist/, which it attaches
    assert "GITHUB_TOKEN: ${{ github.token }}" in release
    assert "name: attestations" in _job(text, "publish")  # the publish job keeps them for it
    none = generate_pipeline(PURE, CiOptions(hwb_requirement=REQ, publish="none")).text
    assert "needs: [build]" in _job(none, "release")
    assert "name: attestations" not in none
    assert "publish.attestation" not in none
    without = generate_pipeline(PURE, CiOptions(hwb_requirement=REQ, vcs_release=False)).text
    assert "vcs-release" not in without.split("\n", 1)[1]
    assert "contents: write" not in without
    gitlab = generate_pipeline(EXT, CiOptions(provider="gitlab", hwb_requirement=REQ)).text
    assert "  - release\n" in gitlab
    assert '- hwb vcs-release "$CI_COMMIT_TAG" dist/' in gitlab
    assert "needs: [sdist, wheels-x86_64, wheels-aarch64, publish]" in gitlab


def test_the_default_requirement_is_what_this_hwb_was_installed_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PEP 610: no direct_url.json (an index) -> name==version; a git URL -> at its commit;
    a local folder (this checkout, editable) -> an error that says what to pass."""
    import json
    from importlib import metadata

    from headless_wheel_builder.ci.generate import default_hwb_requirement

    site = tmp_path / "site"
    info = site / "headless_wheel_builder-7.1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: headless-wheel-builder\nVersion: 7.1.0\n"
        "Project-URL: Source, https://github.com/hwb-dev/headless-wheel-builder\n"
    )
    monkeypatch.syspath_prepend(str(site))
    clear = getattr(getattr(metadata, "FastPath", None), "__new__", None)
    if hasattr(clear, "cache_clear"):  # importlib.metadata caches the folders it has seen
        clear.cache_clear()  # type: ignore[union-attr]
    assert default_hwb_requirement() == "headless-wheel-builder==7.1.0"
    url = "https://github.com/hwb-dev/headless-wheel-builder"
    commit = "0123456789abcdef0123456789abcdef01234567"
    (info / "direct_url.json").write_text(
        json.dumps(
            {"url": url, "vcs_info": {"vcs": "git", "commit_id": commit, "requested_revision": "main"}}
        )
    )
    assert default_hwb_requirement() == f"headless-wheel-builder @ git+{url}@{commit}"
    (info / "direct_url.json").write_text(
        json.dumps({"url": "file:///home/me/hwb", "dir_info": {"editable": True}})
    )
    with pytest.raises(CiError) as error:
        default_hwb_requirement()
    assert "file:///home/me/hwb" in str(error.value.why)
    assert "not published on PyPI" in str(error.value.why)
    assert f"git+{url}.git@<tag or commit>" in str(error.value.hint)
    (info / "direct_url.json").write_text(
        json.dumps({"url": "https://user:tok@example.com/hwb.whl", "archive_info": {}})
    )
    with pytest.raises(CiError) as error:
        default_hwb_requirement()
    assert "tok" not in str(error.value) + str(error.value.why)
    with pytest.raises(CiError):
        generate_pipeline(PURE, CiOptions())


def test_the_header_records_the_repository_for_trusted_publisher() -> None:
    text = generate_pipeline(PURE, CiOptions(repository="testpypi", hwb_requirement=REQ)).text
    assert (read_header(text) or {})["repository"] == "testpypi"
