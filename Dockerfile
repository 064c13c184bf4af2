# hwb in a container.
#
#   docker build -t hwb .
#   docker run --rm -v "$PWD:/src" -w /src --user "$(id -u):$(id -g)" hwb build
#
# It runs as the non-root user `hwb` (uid 1000), or as any uid given with --user, known to the
# image or not: with no usable home (HOME=/), hwb keeps its cache in the temporary folder and
# says so; mount a volume and set HWB_CACHE_DIR to keep the cache between runs:
#   docker run --rm -v "$PWD:/src" -v hwb-cache:/cache -e HWB_CACHE_DIR=/cache hwb build
#
# BASE is any image with python3 (>= 3.10) and its venv module: the official python slim
# image by default; a locally built Debian image where no registry is reachable.
# Behind a TLS-intercepting proxy pass its CA bundle (public, not a secret):
#   docker build --build-arg CA_BUNDLE_PEM="$(cat /etc/ssl/certs/ca-certificates.crt)" .
ARG BASE=python:3.12-slim

FROM ${BASE} AS wheel
ARG CA_BUNDLE_PEM=""
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY src ./src
RUN if [ -n "$CA_BUNDLE_PEM" ]; then printf '%s\n' "$CA_BUNDLE_PEM" > /tmp/ca.pem; export PIP_CERT=/tmp/ca.pem; fi \
    && python3 -m venv /opt/build \
    && /opt/build/bin/pip install --no-cache-dir --disable-pip-version-check build \
    && /opt/build/bin/python -m build --wheel --outdir /dist .

FROM ${BASE}
ARG CA_BUNDLE_PEM=""
# git: hwb builds from git URLs (git+https://…@tag).
RUN apt-get update \
    && apt-get install -y --no-install-recommends git ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 1000 --user-group hwb
COPY --from=wheel /dist/ /tmp/dist/
RUN if [ -n "$CA_BUNDLE_PEM" ]; then printf '%s\n' "$CA_BUNDLE_PEM" > /tmp/ca.pem; export PIP_CERT=/tmp/ca.pem; fi \
    && python3 -m venv /opt/hwb \
    && /opt/hwb/bin/pip install --no-cache-dir --disable-pip-version-check /tmp/dist/*.whl \
    && rm -rf /tmp/dist /tmp/ca.pem
ENV PATH="/opt/hwb/bin:${PATH}" \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
USER hwb
ENTRYPOINT ["hwb"]
CMD ["--help"]
