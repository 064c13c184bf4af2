"""A deterministic PEP 517 backend: the same inputs give the same bytes.

The wheel holds probe/build_info.json with the config settings the backend received and the
SOURCE_DATE_EPOCH it saw; every archive member's time is that epoch (or 1980-01-01).  The wheel
is tagged for the building CPython (cpXY-none-any), so a matrix builds one per Python.
"""
from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import os
import re
import sys
import tarfile
import time
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SDIST_FILES = ("pyproject.toml", "probe/__init__.py", "_backend/probebackend.py")


def _version():
    with open(os.path.join(ROOT, "pyproject.toml"), encoding="utf-8") as fh:
        return re.search(r'^version = "([^"]+)"', fh.read(), re.M)[1]


def _metadata():
    return f"Metadata-Version: 2.1\nName: pipeline-probe\nVersion: {_version()}\nRequires-Python: >=3.8\n"


def _epoch():
    return int(os.environ.get("SOURCE_DATE_EPOCH") or 315532800)


def _read(rel):
    with open(os.path.join(ROOT, rel), "rb") as fh:
        return fh.read()


def _record_line(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    tag = f"cp{sys.version_info[0]}{sys.version_info[1]}-none-any"
    name = f"pipeline_probe-{_version()}"
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    info = {"config_settings": config_settings or {}, "source_date_epoch": epoch}
    distinfo = f"{name}.dist-info"
    files = {
        "probe/__init__.py": _read("probe/__init__.py"),
        "probe/build_info.json": json.dumps(info, sort_keys=True).encode(),
        f"{distinfo}/METADATA": _metadata().encode(),
        f"{distinfo}/WHEEL": (
            f"Wheel-Version: 1.0\nGenerator: probebackend\nRoot-Is-Purelib: true\nTag: {tag}\n"
        ).encode(),
    }
    record = [_record_line(n, d) for n, d in files.items()] + [f"{distinfo}/RECORD,,"]
    files[f"{distinfo}/RECORD"] = ("\n".join(record) + "\n").encode()
    stamp = time.gmtime(max(_epoch(), 315532800))[:6]
    filename = f"{name}-{tag}.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, filename), "w", zipfile.ZIP_DEFLATED) as zf:
        for member, data in files.items():
            entry = zipfile.ZipInfo(member, date_time=stamp)
            entry.external_attr = 0o644 << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(entry, data)
    return filename


def build_sdist(sdist_directory, config_settings=None):
    base = f"pipeline_probe-{_version()}"
    members = [(rel, _read(rel)) for rel in SDIST_FILES] + [("PKG-INFO", _metadata().encode())]
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for rel, data in members:
            entry = tarfile.TarInfo(f"{base}/{rel}")
            entry.size, entry.mtime, entry.mode = len(data), _epoch(), 0o644
            tf.addfile(entry, io.BytesIO(data))
    filename = f"{base}.tar.gz"
    with open(os.path.join(sdist_directory, filename), "wb") as out:
        out.write(gzip.compress(raw.getvalue(), mtime=0))
    return filename


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []
