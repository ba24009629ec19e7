# The registry on a slim Python image, as a non-root user: migrates the database, then serves.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --create-home --uid 10001 registry
WORKDIR /srv/registry

COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
RUN pip install . && chown -R registry:registry /srv/registry

USER registry
# Set DATABASE_URL to PostgreSQL in production; the default is a SQLite file in the working directory.
ENV DATABASE_URL=sqlite:///./registry.db
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/health').status != 200)"
# WORKERS uvicorn processes; with more than one, set PROMETHEUS_MULTIPROC_DIR to a writable folder for /metrics.
ENV WORKERS=1
CMD ["sh", "-c", "registry migrate && exec uvicorn app.main:app --host 0.0.0.0 --port 8000 --proxy-headers --no-access-log --workers ${WORKERS}"]
