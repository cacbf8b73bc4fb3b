# Production image: gunicorn + whitenoise for the web, the same image for workers and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
# WeasyPrint needs Pango; Liberation Serif 2.x is the PDF font (full Vietnamese coverage).
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
      fonts-liberation2 gettext curl \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
RUN pip install --upgrade pip && pip install -e .
COPY . .
RUN DJANGO_SECRET_KEY=build STATIC_MANIFEST=1 python manage.py collectstatic --noinput \
 && python manage.py compilemessages --ignore=.venv

RUN useradd --create-home portal && mkdir -p /app/var/media && chown -R portal /app/var
USER portal
EXPOSE 8000
# gunicorn reads its number of workers from WEB_CONCURRENCY: 3 sync workers served the API best on
# two cores (bench/README.md); set it to the machine's cores + 1 elsewhere.
ENV WEB_CONCURRENCY=3
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
