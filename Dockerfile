FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml ./
COPY config ./config
COPY apps ./apps
RUN pip install --upgrade pip && pip install .
COPY . .
RUN DEBUG=1 python manage.py collectstatic --noinput
RUN useradd --create-home aftersale
USER aftersale
EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "-c", "config/gunicorn.conf.py"]
