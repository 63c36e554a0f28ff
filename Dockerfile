# Rådgivningsbokning: gunicorn serving booking:create_app(), migrations applied at start.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    BOOKING_LOG_FORMAT=json

WORKDIR /app
COPY pyproject.toml README.md ./
COPY booking ./booking
COPY migrations ./migrations
RUN pip install -e . \
    && useradd --system --uid 10001 --home-dir /app booking \
    && mkdir -p /app/instance && chown booking /app/instance

USER booking
EXPOSE 8000
# BOOKING_DATABASE_URL and BOOKING_SECRET_KEY must be set in production (see README).
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status == 200 else 1)"
# Migrations first (idempotent: Alembic applies only what is missing), then the web server.
# The same image runs the job worker (notification dispatch, …) with another command:
#   docker run … IMAGE flask --app booking worker
# Run one or more of those beside the web containers; they coordinate through the database.
# booking/gunicorn_conf.py: JSON logs without gunicorn's raw-path access log, and /metrics summed
# over the gunicorn workers through PROMETHEUS_MULTIPROC_DIR (one directory per container).
CMD ["sh", "-c", "flask --app booking db upgrade && export PROMETHEUS_MULTIPROC_DIR=${PROMETHEUS_MULTIPROC_DIR:-/tmp/prometheus} && exec gunicorn -c python:booking.gunicorn_conf --bind 0.0.0.0:8000 --workers ${WEB_CONCURRENCY:-2} 'booking:create_app()'"]
