# The gateway as a container: `gateway serve` as a non-root user, data in /data.
#
#   docker build -t redaction-gateway .
#   docker run -p 8080:8080 -v gateway-data:/data \
#     -e GATEWAY_API_KEYS="$(openssl rand -hex 24)" -e ZENDESK_AUTHORIZATION='Basic ...' \
#     -e ZENDESK_WEBHOOK_SECRET=... -e GATEWAY_FORWARD_SECRET=... \
#     redaction-gateway --policy /app/policies/zendesk.yaml --host 0.0.0.0
#
# With no arguments it serves generic-json.yaml (every JSON string scanned) on
# all interfaces, which needs GATEWAY_API_KEYS and GATEWAY_UPSTREAM.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    GATEWAY_DATA_DIR=/data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY gateway ./gateway
COPY policies ./policies
RUN pip install . \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin gateway \
    && mkdir -p /data && chown gateway:gateway /data && chmod 700 /data

USER gateway
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s \
    CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8080/healthz').status != 200)"
ENTRYPOINT ["gateway", "serve"]
CMD ["--policy", "/app/policies/generic-json.yaml", "--host", "0.0.0.0"]
