# One image for the three apps; the command picks the app:
#   node dist/apps/hub-poller/main.js | dist/apps/executor/main.js | dist/apps/monitor/main.js
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY --from=build /src/package.json ./
USER node
CMD ["node", "dist/apps/monitor/main.js"]
