# syntax=docker/dockerfile:1
# Build stage: full install (TypeScript), compile to dist/.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npx tsc -p tsconfig.build.json

# Runtime stage: production dependencies only, non-root, the store on a volume. No secrets baked in:
# pass TELEGRAM_BOT_TOKEN etc. with `docker run --env-file .env`.
FROM node:22-bookworm-slim AS runtime
ENV NODE_ENV=production \
    DATA_FILE=/data/carrybot.json
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY locales ./locales
COPY assets ./assets
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
# SIGTERM stops polling, cron and pending writes within 5 s.
STOPSIGNAL SIGTERM
CMD ["node", "dist/main.js"]
