# The badge service API: gunicorn (asgi worker) serving api.asgi:create_app(), migrations applied at start.
#
#   docker build -t badges .
#   docker run -p 8000:8000 -e SECRET_KEY=<64 random hex chars> \
#       -e FRONTEND_URL=https://badges.example.org -e CORS_ORIGINS=https://badges.example.org \
#       -e PUBLIC_API_URL=https://api.badges.example.org \
#       -v badges-instance:/app/instance badges
#
# Production refuses to start without a SECRET_KEY (and JWT_SECRET_KEY, which defaults to it) of at
# least 32 characters. Without DATABASE_URL the app uses SQLite in /app/instance: mount a volume there,
# or set DATABASE_URL=postgresql://... . With two workers, set RATELIMIT_STORAGE_URI=redis://... so the
# rate limits are shared by the workers instead of counted per process.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# cairo and pango render badges (through CairoSVG and, later, the render engine); fontconfig finds
# fonts; DejaVu and Noto (core, CJK, colour emoji) cover every script attendees' names arrive in;
# Ghostscript converts print output (options.output "print") to PDF/X with its own CMYK profile.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libcairo2 \
        libpango-1.0-0 \
        libpangocairo-1.0-0 \
        libpangoft2-1.0-0 \
        fontconfig \
        fonts-dejavu-core \
        fonts-noto-core \
        fonts-noto-cjk \
        fonts-noto-color-emoji \
        ghostscript \
        qpdf \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Requirements first: this layer is rebuilt only when the pins change, not on every code change.
# prod.txt includes base.txt, so the whole folder is copied.
COPY requirements/ requirements/
RUN pip install -r requirements/prod.txt

COPY api/ api/
COPY migrations/ migrations/
COPY manage.py openapi.yaml ./
# The app user cannot write here, so compile now instead of on every start.
RUN python -m compileall -q api migrations manage.py

# A fixed uid/gid so a mounted volume's ownership is predictable; the code stays owned by root.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin app \
    && mkdir -p /app/instance \
    && chown app:app /app/instance

ENV APP_ENV=production \
    INSTANCE_PATH=/app/instance

USER app

EXPOSE 8000

# urlopen raises on a 503 (database down) as on a refused connection: either way the check fails.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/api/v1/health', timeout=4)"]

# Migrate, then replace the shell with gunicorn so it is PID 1 and receives SIGTERM.
# gunicorn's own asgi worker (asyncio) with api/asgi.py in front of the Flask app: every ordinary
# request runs in a pool of `threads` threads per worker, as gthread's --threads did, while live build
# logs (text/event-stream) wait on the event loop and hold no thread between polls. No --preload, so
# each worker builds its own app and job-runner threads after the fork, and api.gunicorn_conf starts
# its render workers right then. Access and error logs go to stdout/stderr. gunicorn 27 opens a
# control socket under $HOME by default; /app is not writable by the app user, so it is turned off.
CMD ["sh", "-c", "python manage.py db upgrade && exec gunicorn --config python:api.gunicorn_conf --bind 0.0.0.0:8000 --worker-class asgi --workers 2 --worker-connections 1000 --timeout 60 --graceful-timeout 30 --keep-alive 5 --worker-tmp-dir /dev/shm --no-control-socket --access-logfile - --error-logfile - 'api.asgi:create_app(threads=4)'"]
