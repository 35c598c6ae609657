# One image for every bulkio process: `bulkio migrate`, `bulkio serve`, `bulkio worker`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY src ./src
COPY migrations ./migrations
# Installed in place (-e): `bulkio migrate` finds the Alembic scripts in /app/migrations, next
# to the source tree, which a plain `pip install .` would leave behind.
RUN pip install -e . \
    && useradd --create-home --uid 10001 bulkio

USER bulkio
EXPOSE 3000
CMD ["bulkio", "serve", "--host", "0.0.0.0", "--port", "3000"]
