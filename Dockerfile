# PrepLab's deployable image: the web app with its content and migrations. On its own it keeps a SQLite file in
# /data; a team points PREPLAB_DATABASE_URL at PostgreSQL (compose.yaml: PostgreSQL 15, accounts on, 4 workers).
# The start command (deploy/start.sh) migrates, imports the banks in the image and serves on 0.0.0.0:8000.
#
# Alone, single-user (no sign-in): say that listening beyond loopback is meant, and publish the port on loopback:
#   docker build -t preplab . && docker run -p 127.0.0.1:8000:8000 -e PREPLAB_ALLOW_OPEN=1 -v preplab:/data preplab
# Without PREPLAB_ALLOW_OPEN=1 or PREPLAB_ACCOUNTS=1 the server refuses 0.0.0.0 (anyone who can reach it would be
# the one local user). The labs' PyTorch is not in the image: lab pages show the shipped reference results and
# results imported from elsewhere (`preplab lab import`).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PREPLAB_HOST=0.0.0.0 PREPLAB_PORT=8000 PREPLAB_DATABASE_URL=sqlite:////data/preplab.db
RUN useradd --system --uid 10001 --home-dir /data --no-create-home preplab \
    && mkdir -p /data && chown preplab:preplab /data
WORKDIR /srv/preplab
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY labs ./labs
COPY solutions ./solutions
COPY migrations ./migrations
COPY templates ./templates
COPY static ./static
COPY content ./content
COPY deploy ./deploy
# Editable: PrepLab finds its templates, static files, migrations and content beside app/ (app/settings.py).
RUN pip install --no-cache-dir -e .
USER preplab
# The working folder is the volume: preplab.secret (the CSRF key when PREPLAB_SECRET_KEY is unset) and backups/
# of a SQLite database live there and survive a new container.
WORKDIR /data
VOLUME /data
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=6 CMD ["python", "/srv/preplab/deploy/healthcheck.py"]
CMD ["/srv/preplab/deploy/start.sh"]
