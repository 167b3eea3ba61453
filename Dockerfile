# One image for ingest, metrics and alerts (and the tthc command): `tthc run <service>`.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_LINK_MODE=copy \
    PATH=/app/.venv/bin:$PATH

RUN pip install --no-cache-dir uv==0.13.9 \
    && useradd --create-home --uid 10001 --shell /usr/sbin/nologin tthc

WORKDIR /app
# The locked dependencies first: this layer is rebuilt only when the lock changes.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project

COPY contract contract
COPY services services
COPY cli cli
COPY dashboards dashboards
COPY deploy deploy
RUN uv sync --frozen --no-dev --no-editable \
    && mkdir -p /app/data && chown tthc:tthc /app/data

USER tthc
ENV TTHC_DATA_DIR=/app/data \
    TTHC_PLAN=/app/deploy/plans/dong-phu-2026.yaml
EXPOSE 8081 8082 8083
CMD ["tthc", "run", "ingest"]
