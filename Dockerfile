# The apitwin mock server: the mocked APIs, their Swagger UI and the admin API, as a non-root process on 0.0.0.0:8000.
#
#   docker build -t apitwin .
#   docker run --rm -p 8000:8000 apitwin                                  # every API: /partners/…, /molgenis/…
#   docker run --rm -p 8000:8000 apitwin partners                         # one API at its documented paths
#   docker run --rm -p 8000:8000 -v "$PWD/seed:/data:ro" apitwin partners --data /data
#
# Arguments after the image name go to `apitwin serve`; other subcommands: --entrypoint apitwin.
# BASE_IMAGE: any Debian-based image with python3 (>= 3.11) and its venv module.
ARG BASE_IMAGE=python:3.12-slim
FROM ${BASE_IMAGE}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/apitwin/bin:$PATH

WORKDIR /app
COPY pyproject.toml README.md ./
COPY apitwin ./apitwin
COPY handlers ./handlers
COPY specs ./specs
COPY mockdata ./mockdata
RUN python3 -m venv /opt/apitwin \
    && pip install --editable . \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin apitwin

USER apitwin
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python3", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/__apitwin/health', timeout=2).status != 200)"]
ENTRYPOINT ["apitwin", "serve", "--host", "0.0.0.0", "--port", "8000"]
CMD []
