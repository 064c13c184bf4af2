"""A minimal PEP 517 backend for hwb's tests (no build_editable on purpose).

config settings: mode=raise | leak | escapes | bad-record | hang | spawn-hang | spawn | slow | noisy
| no-sdist | warn
(warn: a warnings.warn() in build_sdist and build_wheel, as a backend's deprecation notice)
(spawn-hang: start a grandchild that sleeps, write "<hook pid> <grandchild pid>" to $TINY_PIDFILE,
then hang; spawn: start two `sleep`-like grandchildren, one in a session of its own, write their
pids and this backend's to the file `-C pidfile=…`, and hang)
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import subprocess
import sys
import tarfile
import time
import zipfile

NAME, VERSION = "tiny_pkg", "0.3.0"
METADATA = (
    "Metadata-Version: 2.1\nName: tiny-pkg\nVersion: 0.3.0\nSummary: hwb test project\n"
    "Requires-Python: >=3.8\n"
)


def _mode(config_settings):
    return (config_settings or {}).get("mode", "")


_SLEEPER = "import os, sys, time; open(sys.argv[1], 'a').write(f'{os.getpid()}\\n'); time.sleep(300)"


def _spawn(pidfile):
    with open(pidfile, "a") as fh:
        fh.write(f"{os.getpid()}\n")
    subprocess.Popen([sys.executable, "-c", _SLEEPER, pidfile])
    subprocess.Popen([sys.executable, "-c", _SLEEPER, pidfile], start_new_session=True)
    time.sleep(600)


def _warn(mode):
    if mode == "warn":
        import warnings

        warnings.warn("tinybackend: this option is deprecated", UserWarning, stacklevel=2)


def _misbehave(mode, config_settings=None):
    _warn(mode)
    if mode == "spawn":
        _spawn(config_settings["pidfile"])
    if mode == "raise":
        print("tinybackend: about to fail")
        raise RuntimeError("boom from tinybackend")
    if mode == "hang":
        time.sleep(600)
    if mode == "spawn-hang":
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
        with open(os.environ["TINY_PIDFILE"], "w") as f:
            f.write(f"{os.getpid()} {child.pid}")
        time.sleep(600)
    if mode == "leak":
        print("token from env:", os.environ.get("HWB_PUBLISH_TOKEN"))
        print("index: https://user:" + os.environ.get("TINY_URL_PASSWORD", "") + "@example.com/simple")
        raise RuntimeError("leaking on purpose")
    if mode == "escapes":  # a hostile backend: set the window title, clear the screen, rewrite a line
        print("\x1b]0;pwned-title\x07 \x1b[2J\x1b[H fake: \x1b[32mSUCCESS\x1b[0m\rHIDDEN \x9b31m")
        raise RuntimeError("failing with \x1b]8;;http://evil.invalid\x07a link\x1b]8;;\x07")
    if mode == "slow":
        time.sleep(2)
    if mode == "noisy":
        for i in range(20000):
            print(f"noisy line {i} " + "x" * 60)


def _record_line(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    mode = _mode(config_settings)
    _misbehave(mode, config_settings)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with open(os.path.join(root, "tiny", "__init__.py"), "rb") as f:
        init = f.read()
    distinfo = f"{NAME}-{VERSION}.dist-info"
    wheel_meta = b"Wheel-Version: 1.0\nGenerator: tinybackend\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    files = {
        "tiny/__init__.py": init,
        f"{distinfo}/METADATA": METADATA.encode(),
        f"{distinfo}/WHEEL": wheel_meta,
    }
    record = [_record_line(n, d) for n, d in files.items()]
    if mode == "bad-record":
        record[0] = "tiny/__init__.py,sha256=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA,3"
    record.append(f"{distinfo}/RECORD,,")
    files[f"{distinfo}/RECORD"] = ("\n".join(record) + "\n").encode()
    filename = f"{NAME}-{VERSION}-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, filename), "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return filename


def build_sdist(sdist_directory, config_settings=None):
    mode = _mode(config_settings)
    if mode == "no-sdist":
        raise NotImplementedError("no sdists here")
    _misbehave(mode, config_settings)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    base = f"{NAME}-{VERSION}"
    filename = f"{base}.tar.gz"
    with tarfile.open(os.path.join(sdist_directory, filename), "w:gz", format=tarfile.PAX_FORMAT) as tf:
        for rel in ("pyproject.toml", "tiny/__init__.py", "_backend/tinybackend.py"):
            tf.add(os.path.join(root, rel), arcname=f"{base}/{rel}")
        data = METADATA.encode()
        info = tarfile.TarInfo(f"{base}/PKG-INFO")
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
    return filename


def get_requires_for_build_wheel(config_settings=None):
    print("tinybackend: get_requires_for_build_wheel", file=sys.stderr)
    return []
