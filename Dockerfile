# The server image: built with the dev dependencies, shipped without them.
# sqlite3 compiles its native module here if no prebuilt one fits (node:20 has
# python3, make and g++); the runtime stage is the same Debian release, so the
# module loads there.
FROM node:20 AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-slim
WORKDIR /app
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/static ./static
USER node
EXPOSE 3000
# 200 when the database and (with REDIS_URL) Redis answer, 503 when either does not;
# see "What a load balancer needs" in README.md and GET /health in docs/api.md.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
CMD ["node", "dist/src/main.js"]
