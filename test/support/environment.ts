import { inject } from "vitest";
import type { WorkerEnvironment } from "../env/environment.js";

/**
 * The environment of the worker running this test file: its own kube-apiserver and AWS endpoint.
 * Throws (never skips) when the integration global setup did not run.
 */
export function workerEnvironment(): WorkerEnvironment {
  const environments = inject("environments");
  if (!environments || environments.length === 0) {
    throw new Error(
      "no test environment: run integration tests through `make test` or `npx vitest --project integration`",
    );
  }
  const poolId = Number(process.env.VITEST_POOL_ID ?? 1);
  const env = environments[(poolId - 1) % environments.length];
  if (!env) throw new Error(`no test environment for worker ${poolId}`);
  return env;
}
