"""PEP 740 attestations: upload the ``<dist>.<kind>.attestation`` files that sit beside a dist
(as gh-action-pypi-publish writes them), and with ``--attest`` make them first with Sigstore
through ``pypi-attestations`` (an optional package) from the ambient CI identity.
"""

from __future__ import annotations

import base64
import glob
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from headless_wheel_builder._log import redact
from headless_wheel_builder.errors import PublishError

__all__ = ["attestation_files", "attestations_field", "generate"]

PUBLISH_PREDICATE = "https://docs.pypi.org/attestations/publish/v1"


def attestation_files(dist: Path) -> list[Path]:
    """The attestation files paired with ``dist``: ``<dist filename>.<anything>.attestation``."""
    pattern = glob.escape(dist.name) + ".*.attestation"
    return sorted(p for p in dist.parent.glob(pattern) if p.is_file())


def attestations_field(dist: Path, sha256: str) -> str | None:
    """The ``attestations`` form field (a JSON array) for ``dist``, or ``None`` when it has none.

    Each file must be a PEP 740 attestation whose one subject is this file (name and sha256):
    PyPI rejects the whole upload otherwise, so hwb says which file is wrong first.
    """
    files = attestation_files(dist)
    if not files:
        return None
    attestations = [_read(path, dist.name, sha256) for path in files]
    return json.dumps(attestations, separators=(",", ":"))


def _read(path: Path, filename: str, sha256: str) -> object:
    def bad(why: str) -> PublishError:
        return PublishError(
            f"{path.name} is not a valid attestation for {filename}",
            why=why,
            hint="delete it or make it again (hwb publish --attest)",
        )

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise bad(str(exc)) from exc
    if not isinstance(data, dict) or data.get("version") != 1 or "envelope" not in data:
        raise bad("it is not a PEP 740 attestation object (version 1 with an envelope)")
    try:
        statement = json.loads(base64.b64decode(data["envelope"]["statement"]))
        subjects = statement["subject"]
    except (KeyError, TypeError, ValueError) as exc:
        raise bad("its envelope holds no readable in-toto statement") from exc
    if not isinstance(subjects, list) or len(subjects) != 1:
        raise bad("its statement must have exactly one subject")
    subject = subjects[0]
    if subject.get("name") != filename:
        raise bad(f"it attests {subject.get('name')!r}")
    if (subject.get("digest") or {}).get("sha256") != sha256:
        raise bad(f"it attests sha256 {(subject.get('digest') or {}).get('sha256')}, the file has {sha256}")
    return data


def generate(dists: Sequence[Path]) -> list[Path]:
    """Sign each dist with Sigstore using the ambient OIDC identity (audience ``sigstore``) and
    write ``<dist>.publish.attestation`` beside it.  Needs ``pip install pypi-attestations``."""
    try:
        import id as oidc_id
        from pypi_attestations import Attestation, Distribution  # type: ignore[import-not-found, unused-ignore]
        from sigstore.oidc import IdentityToken  # type: ignore[import-not-found, unused-ignore]
        from sigstore.sign import SigningContext  # type: ignore[import-not-found, unused-ignore]
    except ImportError as exc:
        raise PublishError(
            "--attest needs the pypi-attestations package",
            why=str(exc),
            hint="pip install pypi-attestations (it brings sigstore), or attest in CI and put the "
            "<dist>.publish.attestation files beside the dists",
        ) from exc
    try:
        jwt = oidc_id.detect_credential("sigstore")
    except oidc_id.IdentityError as exc:
        raise PublishError(
            "no identity to sign attestations with",
            why=redact(str(exc)),
            hint="on GitHub grant 'id-token: write'; on GitLab declare "
            "id_tokens: SIGSTORE_ID_TOKEN: {aud: sigstore}",
        ) from exc
    if jwt is None:
        raise PublishError(
            "--attest needs an ambient CI identity (GitHub Actions, GitLab CI, Google Cloud)",
            hint="attest in CI, or publish without --attest",
        )
    written: list[Path] = []
    try:
        context = (
            SigningContext.production()
            if hasattr(SigningContext, "production")
            else _context_from_trust_config(SigningContext)
        )
        with context.signer(IdentityToken(jwt), cache=True) as signer:
            for dist in dists:
                attestation = Attestation.sign(signer, Distribution.from_file(dist))
                target = dist.parent / f"{dist.name}.publish.attestation"
                target.write_text(attestation.model_dump_json(), encoding="utf-8")
                written.append(target)
    except Exception as exc:  # sigstore raises many types (network, trust root)
        raise PublishError(
            "signing attestations with Sigstore failed",
            why=redact(str(exc)),
            hint="Sigstore needs network access to Fulcio and Rekor",
        ) from exc
    return written


def _context_from_trust_config(signing_context: type) -> Any:  # pragma: no cover - sigstore >= 4
    from sigstore.models import ClientTrustConfig  # type: ignore[import-not-found, unused-ignore]

    return signing_context.from_trust_config(ClientTrustConfig.production())  # type: ignore[attr-defined]
