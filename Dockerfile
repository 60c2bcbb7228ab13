# The gateway as a container: `gateway serve` as a non-root user, data in /data.
#
#   podman build --network host -t redaction-gateway .     (or docker build)
#   podman run -p 8080:8080 --read-only -v gateway-data:/data \
#     -e GATEWAY_API_KEYS="$(openssl rand -hex 24)" -e ZENDESK_AUTHORIZATION='Basic ...' \
#     -e ZENDESK_WEBHOOK_SECRET=... -e GATEWAY_FORWARD_SECRET=... \
#     redaction-gateway --policy /app/policies/zendesk.yaml --host 0.0.0.0
#
# With no arguments it serves generic-json.yaml (every JSON string scanned) on
# all interfaces, which needs GATEWAY_API_KEYS and GATEWAY_UPSTREAM.
# `scripts/image-check` builds it, runs it read-only in front of the stand-in
# vendor, sends a ticket through it and reports its size.

# -- build: a virtualenv with the gateway and its dependencies --------------
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY gateway ./gateway
# Every dependency comes as a wheel (the base has no compiler, so a package
# that needed one would fail the build rather than bring one in). Bytecode is
# compiled here, once, because the running container's filesystem is read-only.
RUN python -m venv /opt/gateway \
    && /opt/gateway/bin/pip install . \
    && /opt/gateway/bin/pip uninstall --yes pip \
    && find /opt/gateway -depth -type d -name tests -path '*/site-packages/*/tests' -prune -exec rm -rf {} + \
    && /opt/gateway/bin/python -m compileall -q /opt/gateway

# -- run: the virtualenv, the policies, a user, nothing else -------------------
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/gateway/bin:$PATH \
    GATEWAY_DATA_DIR=/data
COPY --from=build /opt/gateway /opt/gateway
COPY policies /app/policies
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin gateway \
    && mkdir -p /data && chown gateway:gateway /data && chmod 700 /data \
    && rm -rf /root/.cache /var/lib/apt/lists/*
WORKDIR /app
USER 10001
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s \
    CMD ["python", "-c", "import os, sys, urllib.request; port = os.environ.get('GATEWAY_HEALTH_PORT', '8080'); sys.exit(urllib.request.urlopen(f'http://127.0.0.1:{port}/healthz', timeout=2).status != 200)"]
ENTRYPOINT ["gateway", "serve"]
CMD ["--policy", "/app/policies/generic-json.yaml", "--host", "0.0.0.0"]
