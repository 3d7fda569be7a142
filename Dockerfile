# One image for web, worker and beat (docker-compose.yml picks the command).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 AUTHWIZARD_VAR_DIR=/var/lib/authwizard
WORKDIR /app
COPY pyproject.toml README.md ./
COPY authwizard authwizard
COPY pathways pathways
COPY sandbox sandbox
RUN pip install --no-cache-dir .
COPY manage.py ./
COPY templates templates
COPY static static
COPY locale locale
RUN SECRET_KEY=build AUTHWIZARD_ENCRYPTION_KEYS=$(python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())") \
    STATICFILES_STORAGE=whitenoise.storage.CompressedManifestStaticFilesStorage \
    sh -c 'python manage.py collectstatic --noinput && python manage.py translations compile' \
 && useradd --system --home /var/lib/authwizard authwizard && mkdir -p /var/lib/authwizard \
 && chown authwizard /var/lib/authwizard
USER authwizard
EXPOSE 8000
CMD ["gunicorn", "authwizard.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
