import { defineConfig } from "vitest/config";

/**
 * Three projects: `unit` (pure logic, no I/O), `integration` (a real kube-apiserver + etcd and
 * moto, started once for the run by test/env/global-setup.ts, one isolated pair per worker), and
 * `image` (the container image run with testcontainers; needs a Docker engine, so `make test`
 * leaves it to `make test-image`).
 */
const workers = Number(process.env.ORGGUARD_TEST_WORKERS ?? 2);
// A user-supplied moto server is one shared state: integration files must then run one at a time.
const sharedAws = Boolean(process.env.ORGGUARD_TEST_AWS_ENDPOINT);

export default defineConfig({
  test: {
    maxWorkers: workers,
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
        },
      },
      {
        test: {
          name: "image",
          include: ["test/image/**/*.test.ts"],
          globalSetup: ["test/env/global-setup.ts"],
          testTimeout: 120_000,
          hookTimeout: 240_000,
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          globalSetup: ["test/env/global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: !sharedAws,
        },
      },
    ],
  },
});
