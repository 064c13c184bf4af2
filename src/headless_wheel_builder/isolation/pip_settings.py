"""The user's pip settings — ``PIP_*`` variables and pip's configuration files, read in pip's
order — translated to uv's syntax (docs/ISOLATION.md, "pip's settings under uv").

pip separates list values (``find-links``, ``extra-index-url``, ``constraint``) by whitespace or
newlines; uv wants ``UV_FIND_LINKS`` comma-separated and ``UV_EXTRA_INDEX_URL`` /
``UV_CONSTRAINT`` space-separated.  pip's ``trusted-host`` is not carried over: hwb never turns
TLS verification off (docs/SECURITY.md); a warning names it instead.
"""

from __future__ import annotations

import configparser
import functools
import os
from collections.abc import Mapping
from pathlib import Path

from headless_wheel_builder._log import logger

#: The pip settings hwb carries over to uv (pip's option names).
CARRIED = (
    "index-url",
    "extra-index-url",
    "find-links",
    "no-index",
    "constraint",
    "cert",
    "proxy",
    "trusted-host",
)

_TRUE = {"y", "yes", "t", "true", "on", "1"}


def pip_config_files(environ: Mapping[str, str]) -> list[Path]:
    """pip's configuration files, lowest priority first (pip's ``Configuration`` order:
    global, user — skipped when ``PIP_CONFIG_FILE`` names an existing file — then
    ``PIP_CONFIG_FILE``); none at all when ``PIP_CONFIG_FILE`` is ``os.devnull``."""
    env_file = environ.get("PIP_CONFIG_FILE")
    if env_file == os.devnull:
        return []
    if os.name == "nt":  # pragma: no cover - hwb's tests run on POSIX
        program_data = environ.get("PROGRAMDATA", r"C:\ProgramData")
        appdata = environ.get("APPDATA", str(Path.home() / "AppData" / "Roaming"))
        global_files = [Path(program_data) / "pip" / "pip.ini"]
        user_files = [Path.home() / "pip" / "pip.ini", Path(appdata) / "pip" / "pip.ini"]
    else:
        xdg_dirs = environ.get("XDG_CONFIG_DIRS") or "/etc/xdg"
        global_files = [Path(d) / "pip" / "pip.conf" for d in xdg_dirs.split(os.pathsep) if d]
        global_files.append(Path("/etc/pip.conf"))
        home = Path(environ.get("HOME") or Path.home())
        config_home = Path(environ.get("XDG_CONFIG_HOME") or home / ".config")
        user_files = [home / ".pip" / "pip.conf", config_home / "pip" / "pip.conf"]
    files = list(global_files)
    if not (env_file and Path(env_file).exists()):
        files += user_files
    if env_file:
        files.append(Path(env_file))
    return files


def pip_settings(environ: Mapping[str, str]) -> dict[str, str]:
    """The carried-over pip settings as pip sees them for ``pip install``: the configuration
    files' ``[global]`` then ``[install]`` sections, then ``PIP_*`` variables, later winning."""
    found: dict[str, str] = {}
    for path in pip_config_files(environ):
        parser = configparser.RawConfigParser()
        try:
            parser.read(path, encoding="utf-8")
        except (OSError, UnicodeDecodeError, configparser.Error) as exc:
            logger.warning("ignoring pip configuration file %s: %s", path, exc)
            continue
        for section in ("global", "install"):
            if parser.has_section(section):
                for key, value in parser.items(section):
                    name = key.lower().replace("_", "-").removeprefix("--")
                    if name in CARRIED and value is not None:
                        found[name] = value
    for name in CARRIED:
        variable = environ.get("PIP_" + name.upper().replace("-", "_"))
        if variable is not None:
            found[name] = variable
    return found


def _words(value: str) -> list[str]:
    """pip's list syntax: values separated by whitespace or newlines."""
    return value.split()


def uv_translation(environ: Mapping[str, str]) -> dict[str, str]:
    """The variables to add for uv so it sees the user's pip settings; a setting uv already
    has its own value for (``UV_*``, ``SSL_CERT_FILE``, ``HTTPS_PROXY`` …) is left alone."""
    pip = pip_settings(environ)
    out: dict[str, str] = {}

    def has(*names: str) -> bool:
        return any(environ.get(n) for n in names)

    if _words(pip.get("index-url", "")) and not has("UV_INDEX_URL", "UV_DEFAULT_INDEX"):
        out["UV_INDEX_URL"] = _words(pip["index-url"])[0]
    extra = _words(pip.get("extra-index-url", ""))
    if extra and not has("UV_EXTRA_INDEX_URL", "UV_INDEX"):
        out["UV_EXTRA_INDEX_URL"] = " ".join(extra)
        if not has("UV_INDEX_STRATEGY"):
            # pip picks the best match across all its indexes; uv's default stops at the
            # first index that has the project.  Keep pip's meaning for pip's settings.
            out["UV_INDEX_STRATEGY"] = "unsafe-best-match"
    if _words(pip.get("find-links", "")) and not has("UV_FIND_LINKS"):
        out["UV_FIND_LINKS"] = ",".join(_words(pip["find-links"]))
    if pip.get("no-index", "").strip().lower() in _TRUE and not has("UV_NO_INDEX"):
        out["UV_NO_INDEX"] = "1"
    if _words(pip.get("constraint", "")) and not has("UV_CONSTRAINT"):
        out["UV_CONSTRAINT"] = " ".join(_words(pip["constraint"]))
    out.update(_certificates(environ, pip))
    out.update(_proxies(environ, pip))
    if _words(pip.get("trusted-host", "")) and not has("UV_INSECURE_HOST"):
        _warn_trusted_host(" ".join(_words(pip["trusted-host"])))
    return out


def _certificates(environ: Mapping[str, str], pip: Mapping[str, str]) -> dict[str, str]:
    if environ.get("SSL_CERT_FILE"):
        return {}
    for value in (pip.get("cert"), environ.get("REQUESTS_CA_BUNDLE"), environ.get("CURL_CA_BUNDLE")):
        if value and value.strip():
            return {"SSL_CERT_FILE": value.strip()}
    return {}


def _proxies(environ: Mapping[str, str], pip: Mapping[str, str]) -> dict[str, str]:
    """pip's ``proxy`` serves both schemes; uv reads ``HTTP_PROXY`` / ``HTTPS_PROXY``."""
    proxy = pip.get("proxy", "").strip()
    if not proxy:
        return {}
    out = {}
    if not any(environ.get(n) for n in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")):
        out["HTTPS_PROXY"] = proxy
    if not any(environ.get(n) for n in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")):
        out["HTTP_PROXY"] = proxy
    return out


@functools.cache
def _warn_trusted_host(hosts: str) -> None:
    logger.warning(
        "pip's trusted-host (%s) is not passed to uv: hwb never turns TLS verification off "
        "(docs/SECURITY.md); give the host a valid certificate (cert / SSL_CERT_FILE) or use "
        "--installer pip",
        hosts,
    )
