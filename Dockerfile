# The production image: the ASGI app served by uvicorn workers (nginx in front: docker-compose.yml).
FROM python:3.12-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY config ./config
COPY liveblog ./liveblog
COPY newsroom ./newsroom
COPY accounts ./accounts
RUN pip install --no-cache-dir .
COPY . .
RUN DEBUG=0 SECRET_KEY=build-only python manage.py collectstatic --noinput --verbosity 0
RUN useradd --create-home liveblog \
    && mkdir -p /data/media /data/static && chown liveblog /data/media /data/static
USER liveblog
EXPOSE 8000
CMD ["python", "-m", "uvicorn", "config.asgi:application", "--host", "0.0.0.0", "--port", "8000", "--workers", "2", \
     "--ws-max-size", "16384", "--ws-per-message-deflate", "false", "--timeout-worker-healthcheck", "30"]
