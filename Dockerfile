# hwb in a container.
#
#   docker build -t hwb .
#   docker run --rm -v "$PWD:/src" -w /src --user "$(id -u):$(id -g)" hwb build
#
# BASE is any image with python3 (>= 3.10) and its venv module: the official python slim
# image by default; a locally built Debian image where no registry is reachable.
ARG BASE=python:3.12-slim

FROM ${BASE} AS wheel
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY src ./src
RUN python3 -m venv /opt/build \
    && /opt/build/bin/pip install --no-cache-dir --disable-pip-version-check build \
    && /opt/build/bin/python -m build --wheel --outdir /dist .

FROM ${BASE}
# git: hwb builds from git URLs (git+https://…@tag).
RUN apt-get update \
    && apt-get install -y --no-install-recommends git ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=wheel /dist/ /tmp/dist/
RUN python3 -m venv /opt/hwb \
    && /opt/hwb/bin/pip install --no-cache-dir --disable-pip-version-check /tmp/dist/*.whl \
    && rm -rf /tmp/dist
ENV PATH="/opt/hwb/bin:${PATH}" \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
ENTRYPOINT ["hwb"]
CMD ["--help"]
