# syntax=docker/dockerfile:1
# orgguard controller image: built with dev dependencies, shipped with production ones only.
# `make image` builds it (docker build --network host: npm ci reaches the npm registry).
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:24-bookworm-slim
# Nothing runs npm, npx, corepack or yarn at run time: fewer files to ship and to patch.
RUN rm -rf /usr/local/lib/node_modules /usr/local/bin/npm /usr/local/bin/npx \
      /usr/local/bin/corepack /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-*
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
# An unprivileged uid with no home and no shell login; the chart also sets runAsUser 65532,
# a read-only root filesystem and drops every capability.
USER 65532:65532
EXPOSE 8080 8081
# Memory, as bench/scale.ts measures it (it reads these settings from here): allocations of
# 32 KiB or more get their own mapping, returned to the system when freed, instead of staying in
# malloc's heap (module loading alone left about 35 MiB there); a 4 MiB young generation instead
# of V8's default that commits up to 64 MiB (1 MiB made a scavenge every few reconciles: garbage
# collection was a quarter of a steady reconcile's CPU); and V8's heuristics for size over speed.
# bin/orgguard.js's first line gives the CLI run from a checkout the same node flags
# (test/unit/launcher-flags.test.ts keeps the two equal).
ENV GLIBC_TUNABLES=glibc.malloc.mmap_threshold=32768
ENTRYPOINT ["node", "--max-semi-space-size=4", "--optimize-for-size", "bin/orgguard.js"]
CMD ["controller"]
