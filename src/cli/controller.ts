/**
 * `orgguard controller [flags]`: runs the controller. Options: see `optionsTable()` in config.ts
 * (README, "Configuration"). The Kubernetes client comes from KUBECONFIG or the in-cluster
 * service account.
 */
import { KubeConfig } from "@kubernetes/client-node";
import { AwsClients, endpointsFromEnvironment } from "../aws/clients.js";
import { loadConfig, optionsTable } from "../config.js";
import { accountBaselineController } from "../kinds/account-baseline/index.js";
import { controllerKinds } from "../kinds/index.js";
import { createManager, runUntilStopped } from "../main.js";
import { createLogger, type Logger } from "../runtime/logger.js";
import { Metrics } from "../runtime/metrics.js";

export async function runController(args: string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    console.log(`usage: orgguard controller [flags]\n\n${optionsTable()}`);
    return 0;
  }
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(args);
  } catch (err) {
    console.error(`orgguard controller: ${(err as Error).message}`);
    return 1;
  }
  const logger = createLogger(config.logLevel, { component: "controller" });
  const kc = new KubeConfig();
  kc.loadFromDefault();
  const metrics = new Metrics();
  const aws = new AwsClients({
    region: config.awsRegion,
    ...endpointsFromEnvironment(process.env),
    roleArnTemplate: config.roleArnTemplate,
    ...(config.externalId ? { externalId: config.externalId } : {}),
    maxAttempts: config.awsMaxAttempts,
    observeCall: (service, operation, outcome) => metrics.awsCalls.inc({ service, operation, outcome }),
    organizationsRate: { perSecond: config.organizationsRate, burst: config.organizationsBurst },
  });
  await learnOwnAccount(aws, logger);
  const scp = {
    enablePolicyType: config.enableScpPolicyType,
    perTargetLimit: config.scpPerTargetLimit,
    sizeLimit: config.scpSizeLimit,
  };
  const manager = createManager(config, kc, controllerKinds({ aws, scp }), logger, metrics, (deps) => [
    accountBaselineController(kc, aws, deps, {
      workers: config.workers,
      pollIntervalMs: config.pollInterval,
      drainTimeoutMs: config.shutdownTimeout,
      discoveryIntervalMs: config.discoveryInterval,
      progressIntervalMs: 5000,
    }),
  ]);
  return runUntilStopped(manager, logger, config.shutdownTimeout);
}

/**
 * Resolves the controller's own AWS account before any controller starts: account settings
 * without an accountId mean this account, and claims between objects are compared with it. Without
 * credentials nothing could be reconciled anyway, so this retries (with backoff, saying why) until
 * STS answers.
 */
async function learnOwnAccount(aws: AwsClients, logger: Logger): Promise<void> {
  for (let delay = 1000; ; delay = Math.min(delay * 2, 30_000)) {
    try {
      const account = await aws.ownAccountId();
      logger.info("running as AWS account", { account });
      return;
    } catch (err) {
      logger.warn("cannot learn the controller's own AWS account (sts:GetCallerIdentity): retrying", {
        error: err,
        retryInMs: delay,
      });
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
