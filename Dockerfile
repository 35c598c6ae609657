# One image for every bulkio process: `bulkio migrate`, `bulkio serve`, `bulkio worker`.
# Stage 1 builds wheels (bulkio's own carries its migrations); stage 2 installs them, nothing else.

FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
COPY migrations ./migrations
RUN pip wheel --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    BULKIO_DATA_DIR=/var/lib/bulkio
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-index --find-links /wheels bulkio \
    && useradd --create-home --uid 10001 bulkio \
    && install -d -o bulkio -g bulkio /var/lib/bulkio
USER bulkio
WORKDIR /var/lib/bulkio
VOLUME /var/lib/bulkio
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=5s --retries=5 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:3000/health/live', timeout=3)"]
CMD ["bulkio", "serve", "--host", "0.0.0.0", "--port", "3000"]
