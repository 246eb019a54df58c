# orgguard controller image: build with dev dependencies, ship production dependencies only.
# syntax=docker/dockerfile:1
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
# The node image's unprivileged user; the chart also sets runAsUser 65532 and a read-only root.
USER 65532:65532
EXPOSE 8080 8081
ENTRYPOINT ["node", "bin/orgguard.js"]
CMD ["controller"]
