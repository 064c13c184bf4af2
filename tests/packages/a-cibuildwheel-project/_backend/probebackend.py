"""A PEP 517 backend for hwb's cibuildwheel tests: offline, and its wheel records what the build
saw — ``generated.txt`` (before-build writes it into the folder the wheel is built from) and the
variables PROBE_ENV and PROBE_COMPUTED (cibuildwheel's ``environment``).  PROBE_EXTRA_DEP, when
set, is the requirement of the extra ``probe`` (for ``test-extras``)."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import tarfile
import zipfile

NAME, VERSION = "cibw_probe", "1.0.0"
METADATA = "Metadata-Version: 2.1\nName: cibw-probe\nVersion: 1.0.0\nRequires-Python: >=3.8\n"
SDIST_FILES = ("pyproject.toml", "_backend/probebackend.py", "cibw_probe/__init__.py", "tests/check_probe.py")


def _module():
    generated = None
    if os.path.exists("generated.txt"):
        with open("generated.txt") as fh:
            generated = fh.read()
    return (
        f"GENERATED = {generated!r}\nENV = {os.environ.get('PROBE_ENV')!r}\n"
        f"COMPUTED = {os.environ.get('PROBE_COMPUTED')!r}\n"
    )


def _metadata():
    dep = os.environ.get("PROBE_EXTRA_DEP")
    return METADATA + (f'Provides-Extra: probe\nRequires-Dist: {dep} ; extra == "probe"\n' if dep else "")


def _record_line(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    dist_info = f"{NAME}-{VERSION}.dist-info"
    files = {
        f"{NAME}/__init__.py": _module().encode(),
        f"{dist_info}/METADATA": _metadata().encode(),
        f"{dist_info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: probebackend\nRoot-Is-Purelib: true\n"
        b"Tag: py3-none-any\n",
    }
    record = [_record_line(name, data) for name, data in files.items()] + [f"{dist_info}/RECORD,,"]
    files[f"{dist_info}/RECORD"] = ("\n".join(record) + "\n").encode()
    filename = f"{NAME}-{VERSION}-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, filename), "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return filename


def build_sdist(sdist_directory, config_settings=None):
    base = f"{NAME}-{VERSION}"
    filename = f"{base}.tar.gz"
    with tarfile.open(os.path.join(sdist_directory, filename), "w:gz") as tf:
        for name in SDIST_FILES:
            tf.add(name, f"{base}/{name}")
        info = tarfile.TarInfo(f"{base}/PKG-INFO")
        data = METADATA.encode()
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
    return filename
