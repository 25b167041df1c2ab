# One image for web, worker and beat (docker-compose.yml picks the command).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    COMMONPLACE_VAR_DIR=/app/var \
    DJANGO_STATIC_ROOT=/app/staticfiles

WORKDIR /app
RUN useradd --create-home --uid 1000 commonplace

# PyICU (look-alike names, accounts/lookalikes.py) is built against the system's ICU: its headers,
# pkg-config and a C++ compiler to build, then only the ICU library to run.
COPY requirements.txt .
RUN apt-get update \
    && apt-get install -y --no-install-recommends libicu-dev pkg-config g++ \
    && pip install -r requirements.txt \
    && apt-get purge -y --auto-remove libicu-dev pkg-config g++ \
    && apt-get install -y --no-install-recommends libicu72 \
    && rm -rf /var/lib/apt/lists/*

COPY . .
# collectstatic needs settings to import; a throwaway key is enough, it is never used to sign.
RUN DJANGO_DEBUG=0 DJANGO_SECRET_KEY=collectstatic-only-not-a-real-key \
    python manage.py collectstatic --noinput \
    && mkdir -p /app/var && chown -R commonplace /app/var

USER commonplace
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--config", "gunicorn.conf.py", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
