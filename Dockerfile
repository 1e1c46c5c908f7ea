# PrepLab's deployable image: the web app with its content, on SQLite by default.
FROM python:3.11-slim
WORKDIR /srv/preplab
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    PREPLAB_HOST=0.0.0.0 PREPLAB_DATABASE_URL=sqlite:////data/preplab.db
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY labs ./labs
COPY solutions ./solutions
COPY migrations ./migrations
COPY templates ./templates
COPY static ./static
COPY content ./content
RUN pip install --no-cache-dir -e . && mkdir -p /data
VOLUME /data
EXPOSE 8000
CMD ["sh", "-c", "preplab import && preplab serve"]
