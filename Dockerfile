# Two images from one file: `api` (FastAPI + CLI, also the worker) and `web` (the static PWA + proxy).

FROM node:20-alpine AS pwa
WORKDIR /pwa
COPY pwa/package.json pwa/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY pwa/ ./
RUN npm run build

FROM python:3.11-slim AS api
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 GRIDPATROL_DATA_DIR=/var/lib/gridpatrol
WORKDIR /app
# WeasyPrint prints the bulletins with Pango, and Chinese needs a CJK font.
RUN apt-get update && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
    fonts-wqy-microhei && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md ./
COPY api/ api/
COPY migrations/ migrations/
# Editable install keeps migrations/ beside the package, where `gridpatrol migrate` looks for them.
RUN pip install --no-cache-dir -e . && useradd --system --uid 10001 gridpatrol \
    && mkdir -p /var/lib/gridpatrol && chown gridpatrol /var/lib/gridpatrol
COPY --from=pwa /pwa/dist pwa/dist
USER gridpatrol
EXPOSE 8000
CMD ["gridpatrol", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "4"]

FROM nginx:1.27-alpine AS web
COPY deploy/nginx.conf /etc/nginx/conf.d/default.conf
COPY --from=pwa /pwa/dist /usr/share/nginx/html
