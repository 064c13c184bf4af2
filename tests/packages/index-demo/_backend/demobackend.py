"""A minimal PEP 517 backend for hwb's index tests: everything comes from demo.json."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
import tarfile
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _config():
    with open(os.path.join(ROOT, "demo.json"), encoding="utf-8") as f:
        data = json.load(f)
    name = data["name"]
    dist = re.sub(r"[-_.]+", "_", name).lower()
    return data, dist


def _metadata(data):
    lines = [
        "Metadata-Version: 2.1",
        f"Name: {data['name']}",
        f"Version: {data['version']}",
        "Summary: hwb index test project",
    ]
    if data.get("requires_python"):
        lines.append(f"Requires-Python: {data['requires_python']}")
    lines.extend(f"Requires-Dist: {req}" for req in data.get("requires", []))
    return ("\n".join(lines) + "\n").encode()


def _module(data):
    return f'__version__ = "{data["version"]}"\n'.encode()


def _record_line(name, payload):
    digest = base64.urlsafe_b64encode(hashlib.sha256(payload).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(payload)}"


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    data, dist = _config()
    distinfo = f"{dist}-{data['version']}.dist-info"
    files = {
        f"{dist}/__init__.py": _module(data),
        f"{distinfo}/METADATA": _metadata(data),
        f"{distinfo}/WHEEL": b"Wheel-Version: 1.0\nGenerator: demobackend\nRoot-Is-Purelib: true\nTag: py3-none-any\n",  # noqa: E501
    }
    record = [_record_line(n, d) for n, d in files.items()] + [f"{distinfo}/RECORD,,"]
    files[f"{distinfo}/RECORD"] = ("\n".join(record) + "\n").encode()
    filename = f"{dist}-{data['version']}-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, filename), "w") as zf:
        for name, payload in files.items():
            zf.writestr(zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), payload)
    return filename


def build_sdist(sdist_directory, config_settings=None):
    data, dist = _config()
    base = f"{dist}-{data['version']}"
    filename = f"{base}.tar.gz"
    with tarfile.open(os.path.join(sdist_directory, filename), "w:gz", format=tarfile.PAX_FORMAT) as tf:
        for rel in ("pyproject.toml", "demo.json", "_backend/demobackend.py"):
            tf.add(os.path.join(ROOT, rel), arcname=f"{base}/{rel}")
        payload = _metadata(data)
        info = tarfile.TarInfo(f"{base}/PKG-INFO")
        info.size = len(payload)
        tf.addfile(info, io.BytesIO(payload))
    return filename
