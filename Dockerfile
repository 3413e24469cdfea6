# syntax=docker/dockerfile:1
#
# One image recipe for every service of the workspace:
#
#   docker build --build-arg SERVICE=identity -t selfcare/identity .
#   docker build --build-arg SERVICE=notifier -t selfcare/notifier .
#   docker build --build-arg SERVICE=billing -t selfcare/billing .
#   docker build --build-arg SERVICE=rendering -t selfcare/rendering .
#   docker build --build-arg SERVICE=lines -t selfcare/lines .
#
# The image runs `python -m $SERVICE` as a non-root user on 0.0.0.0:8000 and reads all of its
# configuration from the environment (see common/settings.py and <service>/settings.py).
#
# Any workspace member with a `python -m` entry point builds the same way. When the distribution
# name is not the module name, pass MODULE as well; the local SRI sandbox (deploy/local/sri-sandbox,
# settings SRI_SANDBOX_*, port 8106, used by docker-compose.yml only) is one:
#
#   docker build --build-arg SERVICE=sri-sandbox --build-arg MODULE=sri_sandbox -t selfcare/sri-sandbox .
#   docker build --build-arg SERVICE=smsc-simulator --build-arg MODULE=smsc_simulator -t selfcare/smsc-simulator .

ARG PYTHON_IMAGE=python:3.11-slim

# --- manifests: only pyproject.toml files and uv.lock --------------------------------------
# Copying the whole context and deleting everything else gives a layer whose content changes
# only when dependencies change, so the dependency layer below stays cached across code edits
# and new workspace members need no change here.
FROM ${PYTHON_IMAGE} AS manifests
WORKDIR /src
COPY . .
RUN find . -type f ! -name pyproject.toml ! -name uv.lock -delete \
    && find . -depth -type d -empty -delete

# --- builder: resolve the locked dependencies of one workspace member into /app/.venv -------
FROM ${PYTHON_IMAGE} AS builder
COPY --from=ghcr.io/astral-sh/uv:0.13.8 /uv /bin/uv
ARG SERVICE
# The module `python -m` runs, when it differs from the distribution name (sri-sandbox).
ARG MODULE
RUN test -n "${SERVICE}" || { echo "build with --build-arg SERVICE=<workspace member>" >&2; exit 1; }
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=python3.11 \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /src

# 1. Third-party dependencies only (no workspace member is built yet): cached layer.
COPY --from=manifests /src/ ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-workspace --package "${SERVICE}"

# 2. The service and the workspace libraries it depends on, installed as wheels
#    (--no-editable) so the runtime stage needs /app/.venv and nothing else.
COPY . .
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable --package "${SERVICE}" \
    && /app/.venv/bin/python -c "import importlib, sys; importlib.import_module(sys.argv[1])" \
         "${MODULE:-${SERVICE}}"

# --- runtime ------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime
ARG SERVICE
ARG MODULE

# System packages: identity speaks its audio captcha with espeak-ng (Spanish voice; its captcha
# image uses Pillow's manylinux wheels, which bundle their own libraries); notifier needs none
# beyond slim. rendering: WeasyPrint needs Pango and HarfBuzz (its fonts ship in the package).
# billing: xmlsec1 is needed by its tests only (signature cross-checks), not in this image.
RUN if [ "${SERVICE}" = rendering ]; then \
        apt-get update \
        && apt-get install -y --no-install-recommends \
             libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fontconfig \
        && rm -rf /var/lib/apt/lists/*; \
    elif [ "${SERVICE}" = identity ]; then \
        apt-get update \
        && apt-get install -y --no-install-recommends espeak-ng \
        && rm -rf /var/lib/apt/lists/*; \
    fi

# /var/lib/selfcare: the one writable place, for a member that keeps files of its own (only the
# SRI sandbox: its SQLite file; the services keep everything in MongoDB). A named volume mounted
# there starts with this owner, so the non-root user can write to it.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --no-create-home --home-dir /nonexistent \
         --shell /usr/sbin/nologin app \
    && install -d -o 10001 -g 10001 -m 0700 /var/lib/selfcare

# Owned by root and not writable by the service user: the code is immutable at run time
# (the k8s manifests also mount the root filesystem read-only).
COPY --from=builder /app/.venv /app/.venv

ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    SERVICE_MODULE=${MODULE:-${SERVICE}} \
    SERVICE_NAME=${SERVICE} \
    APP_ENV=production \
    HTTP_HOST=0.0.0.0 \
    HTTP_PORT=8000

WORKDIR /app
USER 10001:10001
EXPOSE 8000

# Liveness only (/healthz); orchestrators check readiness (/readyz) themselves.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('HTTP_PORT', '8000'), timeout=4)"]

# `exec` replaces the shell, so python is PID 1 and receives SIGTERM directly: uvicorn then
# finishes in-flight requests and the broker finishes in-flight messages (graceful shutdown).
STOPSIGNAL SIGTERM
CMD ["/bin/sh", "-c", "exec python -m \"$SERVICE_MODULE\""]
