# One image for all four services; SERVICE and PORT pick which one a container runs.
#   docker build -t fleetcare .
#   docker run -e SERVICE=quality -e PORT=8004 -p 8004:8004 fleetcare
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --create-home --uid 10001 fleetcare

WORKDIR /app
COPY pyproject.toml ./
COPY shared ./shared
COPY services ./services
RUN pip install .

USER fleetcare
ENV SERVICE=intake \
    PORT=8001
EXPOSE 8001-8004

# One uvicorn worker per process: scale by running more containers. `exec` makes uvicorn PID 1,
# so `docker stop` (SIGTERM) reaches it and the lifespan stops the consumer and relay cleanly.
CMD ["sh", "-c", "exec uvicorn --factory services.${SERVICE}.main:create_app --host 0.0.0.0 --port ${PORT}"]
