"""Git sources: parse a pip-style git URL safely, then clone the ref it names.

:func:`parse_git_url` refuses what could make git run a command or read an option
(``ext::`` helpers, a leading ``-``, bad refs).  :func:`clone` makes a checkout in which
version tools (setuptools-scm, hatch-vcs) see the tags and history they need, and turns
git's failures into a :class:`GitError` naming the usual cause.  Every git command runs
through :mod:`headless_wheel_builder._git` (the one door to git, with all of its hardening).
:mod:`.source` uses this module for git URLs.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from headless_wheel_builder import _git, _proc
from headless_wheel_builder._log import logger, redact, remember_secret
from headless_wheel_builder.errors import GitError, HwbError

__all__ = [
    "GIT_SCHEMES",
    "GitSpec",
    "clean_subdirectory",
    "clone",
    "head_commit",
    "parse_git_url",
    "shown_spec",
]

#: The transports hwb lets git use.
GIT_SCHEMES = frozenset(_git.ALLOWED_PROTOCOLS)

_SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_HELPER_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*::")
_SCP_RE = re.compile(r"^(?:(?P<user>[^@/:\s]+)@)?(?P<host>[^@/:\s]{2,}):(?P<path>.+)$")
_HEX_RE = re.compile(r"^[0-9a-fA-F]{4,40}$")
_FULL_SHA_RE = re.compile(r"^[0-9a-f]{40}$")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
_URL_HINT = "a git URL looks like git+https://host/org/repo.git@REF or git@host:org/repo.git"


@dataclass(frozen=True, kw_only=True)
class GitSpec:
    """A parsed git source: ``git+https://host/repo.git@v1.2#subdirectory=pkg``."""

    url: str
    """The URL handed to git (without ``git+``, ``@ref`` or fragment)."""
    ref: str | None = None
    subdirectory: str | None = None


# --- parsing ---------------------------------------------------------------------------


def parse_git_url(spec: str) -> GitSpec | None:
    """Return the git spec when ``spec`` is a git URL, else None; raise GitError when it
    is a git URL that is unsafe or malformed."""
    if spec.startswith("-"):
        if _looks_like_git(spec):
            raise _bad_url(spec, "it begins with '-', which git would read as an option")
        return None
    explicit = spec.startswith("git+")
    body, _, fragment = (spec[4:] if explicit else spec).partition("#")
    if _HELPER_RE.match(body):
        raise _bad_url(spec, "'<transport>::' remote helpers such as ext:: can run any command")
    if _SCHEME_RE.match(body) is not None:
        parsed = _scheme_url(spec, body, explicit)
    else:
        parsed = _scp_url(spec, body, explicit)
    if parsed is None:
        return None
    url, ref = parsed
    if _CONTROL_RE.search(url):
        raise _bad_url(spec, "it contains control characters")
    if ref is not None:
        _check_ref(ref, spec)
    return GitSpec(url=url, ref=ref, subdirectory=_parse_fragment(fragment, spec))


def _scheme_url(spec: str, body: str, explicit: bool) -> tuple[str, str | None] | None:
    """(URL, ref) of ``scheme://host/path@ref``; None when it is not a repository's URL."""
    scheme_match = _SCHEME_RE.match(body)
    assert scheme_match is not None
    scheme = scheme_match.group(1).lower()
    authority, slash, rest = body[scheme_match.end() :].partition("/")
    path, ref = _split_ref(slash + rest)
    if scheme not in GIT_SCHEMES:
        if explicit or _ends_in_git(path):
            raise _bad_url(spec, f"the {scheme}:// transport is not supported")
        return None
    if not (explicit or scheme in ("ssh", "git") or _ends_in_git(path)):
        return None  # e.g. an https:// page, not a repository
    host = authority.rpartition("@")[2]
    if scheme != "file" and (not host or host.startswith(":")):  # ":" or ":22": a port, no host
        raise _bad_url(spec, "it names no host")
    if authority.startswith("-") or host.startswith("-"):
        raise _bad_url(spec, "its host begins with '-', which git would read as an option")
    if path in ("", "/"):
        raise _bad_url(spec, "it names no repository path")
    return f"{scheme}://{authority}{path}", ref


def _scp_url(spec: str, body: str, explicit: bool) -> tuple[str, str | None] | None:
    """(URL, ref) of scp-like ``user@host:path@ref``; None when it is not a repository's."""
    scp = _SCP_RE.match(body)
    if scp is None or not (explicit or scp["user"] or _ends_in_git(_split_ref(scp["path"])[0])):
        if explicit:
            raise _bad_url(spec, "it is neither scheme://host/path nor user@host:path")
        return None
    user, host = scp["user"] or "", scp["host"]
    if "://" in body:  # git reads whatever stands before a "://" as a scheme ("00:", "a:b/c")
        raise _bad_url(spec, "git would read it as scheme://…, with a scheme it does not support")
    if user.startswith("-") or host.startswith("-"):
        raise _bad_url(spec, "its host begins with '-', which git would read as an option")
    path, ref = _split_ref(scp["path"])
    return (f"{user}@{host}:{path}" if user else f"{host}:{path}"), ref


def _looks_like_git(text: str) -> bool:
    """Whether ``text`` (a spec without its leading dashes) is meant as a remote."""
    return any(mark in text for mark in ("://", "::", "git+", ".git", "@"))


def _split_ref(path: str) -> tuple[str, str | None]:
    """Split ``repo.git@REF`` (the ref ``@`` comes after the path, never in the host)."""
    cut = path.find(".git@")
    if cut >= 0:
        return path[: cut + 4], path[cut + 5 :]
    if "@" in path:
        head, _, ref = path.rpartition("@")
        return head, ref
    return path, None


def _ends_in_git(path: str) -> bool:
    return path.rstrip("/").endswith(".git")


def _check_ref(ref: str, spec: str) -> None:
    """Refuse what ``git check-ref-format --allow-onelevel`` refuses, and a leading '-'."""
    problem = None
    parts = ref.split("/")
    if not ref:
        problem = "it is empty"
    elif ref.startswith("-"):
        problem = "it begins with '-', which git would read as an option"
    elif _CONTROL_RE.search(ref) or any(c.isspace() for c in ref):
        problem = "it contains whitespace or control characters"
    elif ".." in ref or "@{" in ref or ref == "@":
        problem = "it contains '..' or '@{'"
    elif any(c in ref for c in "~^:?*[\\"):
        problem = "it contains one of ~ ^ : ? * [ \\"
    elif ref.endswith((".", "/")) or ref.startswith("/") or "" in parts:
        problem = "it begins or ends with '/', ends with '.', or contains '//'"
    elif any(p.startswith(".") or p.endswith(".lock") for p in parts):
        problem = "a part of it begins with '.' or ends with '.lock'"
    if problem is not None:
        raise GitError(
            f"invalid git ref {shown_spec(ref)!r} in {shown_spec(spec)}",
            why=problem,
            hint="after '@' give a branch, a tag or a commit id, e.g. git+https://host/org/repo.git@v1.2.3",
        )


def _parse_fragment(fragment: str, spec: str) -> str | None:
    """Read pip's ``#subdirectory=PATH`` (``egg=`` is accepted and ignored)."""
    subdirectory = None
    for item in filter(None, fragment.split("&")):
        key, _, value = item.partition("=")
        if key == "subdirectory":
            subdirectory = clean_subdirectory(value, GitError, spec)
        elif key != "egg":
            raise GitError(
                f"unknown key {shown_spec(key)!r} in the fragment of {shown_spec(spec)}",
                why="only '#subdirectory=PATH' (and pip's 'egg=NAME') are understood",
                hint="write the URL as git+https://host/org/repo.git@REF#subdirectory=PATH",
            )
    return subdirectory


def clean_subdirectory(value: str, error: type[HwbError], spec: str) -> str | None:
    """``value`` as a clean relative POSIX path (None for ``.``); refuse ``..`` and
    absolute paths (raising ``error``; :mod:`.source` also checks ``--subdirectory`` here)."""
    text = value.strip().replace("\\", "/")
    parts = [p for p in text.split("/") if p not in ("", ".")]
    problem = None
    if text.startswith("/") or (len(text) >= 2 and text[1] == ":"):
        problem = "it is an absolute path"
    elif ".." in parts:
        problem = "it contains '..'"
    elif _CONTROL_RE.search(text):
        problem = "it contains control characters"
    if problem is not None:
        raise error(
            f"invalid subdirectory {shown_spec(value)!r} for {shown_spec(spec)}",
            why=f"{problem}; it must be a path inside the source",
            hint="give the folder holding pyproject.toml relative to the source root, e.g. 'packages/core'",
        )
    return "/".join(parts) or None


def shown_spec(spec: str) -> str:
    """``spec`` with any credentials hidden, for messages: the password of every
    ``user:password@`` after a ``://`` (not only the first: a fragment or a ref can hold
    another URL), and the user too where http(s) takes it as a token."""
    parts = spec.split("://")
    for index in range(1, len(parts)):
        authority, slash, rest = parts[index].partition("/")
        if "@" in authority:
            userinfo, _, host = authority.rpartition("@")
            user, colon, _ = userinfo.partition(":")
            if colon or parts[index - 1].lower().endswith(("http", "https")):
                parts[index] = f"{f'{user}:***' if colon else '***'}@{host}{slash}{rest}"
    return redact("://".join(parts))


def _bad_url(spec: str, why: str) -> GitError:
    return GitError(f"refusing git URL {shown_spec(spec)!r}", why=why, hint=_URL_HINT)


# --- cloning ---------------------------------------------------------------------------


def clone(git: GitSpec, text: str, workdir: Path) -> tuple[Path, str | None]:
    """Clone ``git`` into a new folder under ``workdir`` and check out its ref.

    Returns the checkout and the ref checked out (the default branch's name when the URL
    names none, None on a detached HEAD).  ``text`` is the spec as the user gave it.
    """
    if not _git.available():  # the common case, before any process is started
        raise _git_missing(text)
    runner = _GitRunner(git, text)
    refs = _ls_remote(runner)
    kind, name = _classify_ref(git, refs)
    workdir.mkdir(parents=True, exist_ok=True)
    dest = Path(tempfile.mkdtemp(prefix="git-checkout-", dir=workdir)).absolute()
    logger.debug("cloning %s (%s %s) into %s", shown_spec(git.url), kind, name, dest)
    url = runner.url
    if kind == "tag":  # shallow: the tag is on HEAD, so scm tools compute exactly its version
        runner.step("clone", "--depth", "1", "--branch", name, "--", url, str(dest))
        tag_ref = f"refs/tags/{name}"
        if runner.rev(tag_ref, dest) is None:
            runner.step("fetch", "--depth", "1", "origin", f"+{tag_ref}:{tag_ref}", cwd=dest)
    elif kind == "commit":
        runner.step("clone", "--filter=blob:none", "--no-checkout", "--", url, str(dest))
        commit = runner.rev(f"{name}^{{commit}}", dest)
        if commit is None and len(name) == 40:  # maybe on no branch or tag: ask for it by id
            runner.run("fetch", "--filter=blob:none", "origin", name, cwd=dest, check=False)
            commit = runner.rev(f"{name}^{{commit}}", dest)
        if commit is None:
            raise _unknown_ref(git, refs)
        runner.step("checkout", "--detach", commit, cwd=dest)
    else:  # a branch, or the default one: whole commit graph and tags, blobs on demand
        branch = ["--branch", name] if name else []
        runner.step("clone", "--filter=blob:none", *branch, "--", url, str(dest))
    ref = git.ref
    if ref is None:
        current = runner.run("symbolic-ref", "-q", "--short", "HEAD", cwd=dest, check=False)
        ref = current.output.strip() if current.returncode == 0 else None
    return dest, ref


def head_commit(git: GitSpec, text: str, checkout: Path) -> str | None:
    """The commit id checked out in ``checkout`` (a folder :func:`clone` made), or None."""
    return _GitRunner(git, text).rev("HEAD", checkout)


#: Commands that may talk to the remote (a blob:none checkout fetches its blobs).
_NETWORK_COMMANDS = frozenset({"clone", "fetch", "ls-remote", "checkout"})


class _GitRunner:
    """Runs git for one source through :mod:`.._git`, with the URL's credentials (if any)
    in the environment."""

    def __init__(self, git: GitSpec, text: str) -> None:
        self.git = git
        self.text = text
        # Credentials never go in git's argument list (visible to every local user): the URL
        # git sees has none, and they travel as an HTTP header in git's environment.
        self.url, self._auth_env = _credentials_to_env(git.url)

    def run(self, *args: str, cwd: Path | None = None, check: bool = True) -> _proc.ProcResult:
        timeout = _git.NETWORK_TIMEOUT if args[0] in _NETWORK_COMMANDS else _git.LOCAL_TIMEOUT
        try:
            return _git.run(args, cwd=cwd, check=check, timeout=timeout, env=self._auth_env)
        except _proc.ProcessFailed as exc:
            if exc.not_found:
                raise _git_missing(self.text) from exc
            raise

    def step(self, *args: str, cwd: Path | None = None) -> str:
        """Run a command that must succeed; a failure becomes a :class:`GitError`."""
        try:
            return self.run(*args, cwd=cwd).output
        except _proc.ProcessFailed as exc:
            raise _git_failure(self.git, exc, f"'git {args[0]}' failed for") from exc

    def rev(self, expression: str, cwd: Path) -> str | None:
        """The object id ``expression`` names in the checkout, or None."""
        result = self.run("rev-parse", "-q", "--verify", "--end-of-options", expression, cwd=cwd, check=False)
        found = result.output.strip()
        return found if result.returncode == 0 and _FULL_SHA_RE.match(found) else None


#: The credential helper hwb gives git for a URL's userinfo: it answers ``get`` from two
#: variables of git's own environment (never its argument list) and ignores ``store``/``erase``.
_CREDENTIAL_HELPER = (
    '!f() { if [ "$1" = get ]; then '
    "printf 'username=%s\\npassword=%s\\n' \"$_HWB_GIT_USERNAME\" \"$_HWB_GIT_PASSWORD\"; fi; }; f"
)


def _credentials_to_env(url: str) -> tuple[str, dict[str, str]]:
    """``url`` without its userinfo, and the environment that gives git those credentials for
    that exact origin (scheme, host and port) only.

    They reach git as a credential helper scoped to the origin (``credential.<origin>.helper``,
    as config variables, git >= 2.31), so git sends them where that origin asks for them and
    nowhere else: when the server redirects to another host, git asks for that host's
    credentials, which this helper does not answer (a fixed ``Authorization`` header, as
    ``http.extraHeader``, went to the redirect's host too)."""
    from urllib.parse import unquote, urlsplit

    try:
        parts = urlsplit(url)
    except ValueError as exc:  # an unbalanced IPv6 bracket: "https://user:pw@[::1/repo"
        raise _bad_url(url, str(exc)) from None
    if parts.scheme not in ("http", "https") or "@" not in parts.netloc:
        return url, {}
    userinfo, _, host = parts.netloc.rpartition("@")
    user, _, password = userinfo.partition(":")
    if not password and len(user) < 16:  # a plain user name: git's credential helpers use it
        return url, {}
    username, secret = unquote(user), unquote(password)
    if any(c in value for value in (username, secret) for c in "\n\r\0"):
        raise GitError(
            f"invalid credentials in {shown_spec(url)}",
            why="the user name or password contains a line break or NUL character",
            hint="percent-encode only printable characters in the URL's user:password@ part",
        )
    remember_secret(secret)
    bare = parts._replace(netloc=host).geturl()
    given = os.environ.get("GIT_CONFIG_COUNT", "")
    count = int(given) if given.isdigit() else 0
    return bare, {
        "GIT_CONFIG_COUNT": str(count + 1),
        f"GIT_CONFIG_KEY_{count}": f"credential.{parts.scheme}://{host.lower()}.helper",
        f"GIT_CONFIG_VALUE_{count}": _CREDENTIAL_HELPER,
        "_HWB_GIT_USERNAME": username,
        "_HWB_GIT_PASSWORD": secret,
    }


def _ls_remote(runner: _GitRunner) -> dict[str, str]:
    """The remote's branches and tags (full ref name -> commit id) in one round-trip."""
    refs: dict[str, str] = {}
    for line in runner.step("ls-remote", "--", runner.url).splitlines():
        sha, tab, name = line.partition("\t")
        if tab and _FULL_SHA_RE.match(sha) and name.startswith(("refs/heads/", "refs/tags/")):
            refs[name.removesuffix("^{}")] = sha
    return refs


def _classify_ref(git: GitSpec, refs: dict[str, str]) -> tuple[str, str]:
    """("default" | "branch" | "tag" | "commit", name); branches win over tags, as in git."""
    if git.ref is None:
        return "default", ""
    for kind, prefix in (("branch", "refs/heads/"), ("tag", "refs/tags/")):
        name = git.ref.removeprefix(prefix)
        if prefix + name in refs:
            return kind, name
    if _HEX_RE.match(git.ref):
        return "commit", git.ref.lower()
    raise _unknown_ref(git, refs)


def _unknown_ref(git: GitSpec, refs: dict[str, str]) -> GitError:
    found = []
    for prefix, label in (("refs/heads/", "branches"), ("refs/tags/", "tags")):
        names = sorted((r.removeprefix(prefix) for r in refs if r.startswith(prefix)), key=_natural_key)
        if label == "tags":
            names.reverse()  # newest versions first
        if names:
            more = f" and {len(names) - 5} more" if len(names) > 5 else ""
            found.append(f"{label}: {', '.join(names[:5])}{more}")
    is_hex = bool(_HEX_RE.match(git.ref or ""))
    return GitError(
        f"git ref {git.ref!r} not found in {shown_spec(git.url)}",
        why="it is not a branch or tag of that repository"
        + (", nor a commit in its history (or the short id is ambiguous)" if is_hex else ""),
        hint=("available " + "; ".join(found) if found else "the repository has no branches or tags")
        + ", or give a commit id",
    )


def _natural_key(text: str) -> list[str | int]:
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", text)]


def _git_missing(text: str) -> GitError:
    return GitError(
        "git is not installed",
        why=f"{shown_spec(text)} is a git URL and cloning it needs the git program on PATH",
        hint="install git (e.g. 'apt-get install git', 'dnf install git' or 'brew install git'), "
        "or build from a local folder or sdist",
    )


_NETWORK_FAILURES = (
    "could not resolve host", "connection refused", "timed out", "unreachable", "no route to host",
    "failed to connect", "name or service not known", "temporary failure in name resolution",
)  # fmt: skip
_ACCESS_FAILURES = (
    "authentication failed", "terminal prompts disabled", "permission denied",
    "could not read username", "could not read password", "403",
)  # fmt: skip
_MISSING_REPO = ("not found", "does not appear to be a git repository", "does not exist",
                 "could not read from remote")  # fmt: skip


def _git_failure(git: GitSpec, exc: _proc.ProcessFailed, action: str) -> GitError:
    """Turn a failed git command into an error saying which of the usual causes it was."""
    output, shown = exc.tail, shown_spec(git.url)
    low = output.lower()
    if exc.timed_out:
        what = f"{action} {shown}: git did not finish in time"
        hint = "check the network, or clone the repository yourself and build the folder"
    elif any(s in low for s in _NETWORK_FAILURES):
        what = f"cannot reach the host of {shown}"
        hint = "check the host name in the URL and the network (proxy, VPN, firewall)"
    elif any(s in low for s in _ACCESS_FAILURES):
        what = f"access to {shown} was refused"
        hint = (
            "the repository may be private or may not exist: check the URL and your credentials "
            "(ssh-agent key, git credential helper, or a token in the URL)"
        )
    elif any(s in low for s in _MISSING_REPO):
        what = f"git repository {shown} not found"
        hint = "check the URL; for a private repository also check your credentials"
    else:
        what, hint = f"{action} {shown}", "run the same git command by hand to see more"
    details = redact("\n".join(output.splitlines()[-20:]))
    return GitError(what, why=_summary(output), hint=hint, details=details)


def _summary(output: str) -> str:
    """The gist of git's complaint: its fatal/error lines, else its last line."""
    lines = [ln.strip() for ln in output.splitlines() if ln.strip()]
    picked = [ln for ln in lines if ln.startswith(("fatal:", "error:", "ssh:", "remote:"))]
    text = "; ".join(dict.fromkeys(ln.removeprefix("fatal: ") for ln in picked or lines[-1:]))
    return redact(text[:400]) or "git gave no message"
