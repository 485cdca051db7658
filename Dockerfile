FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml requirements.lock ./
COPY config ./config
COPY apps ./apps
# Exactly the pinned, hash-checked versions (requirements.lock, see `make lock`).
RUN pip install --upgrade pip \
    && pip install --require-hashes --no-deps -r requirements.lock \
    && pip install --no-deps . \
    && pip check
COPY . .
RUN DEBUG=1 python manage.py collectstatic --noinput
RUN useradd --create-home aftersale
USER aftersale
EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "-c", "config/gunicorn.conf.py"]
