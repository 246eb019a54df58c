/**
 * What `orgguard controller` runs (controller.ts declares the command and loads this when it runs).
 * The Kubernetes client comes from KUBECONFIG or the in-cluster service account.
 */
import { KubeConfig } from "@kubernetes/client-node";
import type { AwsClients } from "../aws/clients.js";
import { EventsQueue, queueRegion } from "../aws/events-queue.js";
import { longTermKeyReason, SESSION_CREDENTIALS_ADVICE } from "../aws/long-term-credentials.js";
import { type ControllerConfig, loadConfig } from "../config.js";
import { createManager, runUntilStopped } from "../controller-process.js";
import { controllersOf } from "../kinds/controllers.js";
import { EventRouter } from "../kinds/event-routing.js";
import { createLogger, type Logger } from "../runtime/logger.js";
import { BindError } from "../runtime/manager.js";
import { Metrics } from "../runtime/metrics.js";
import { awsClientsFor, kindContextFor } from "./aws-context.js";
import { usageErrorText } from "./command.js";
import { CONTROLLER_HELP } from "./controller.js";

/** Which flag sets the address a server failed to bind. */
const BIND_FLAGS = { health: "--health-probe-bind-address", metrics: "--metrics-bind-address" } as const;

/** Runs `orgguard controller` with `args`; returns the exit code. */
export async function runController(args: string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    console.log(CONTROLLER_HELP);
    return 0;
  }
  let config: ControllerConfig;
  try {
    config = loadConfig(args);
  } catch (err) {
    console.error(usageErrorText("controller", (err as Error).message));
    return 1;
  }
  const logger = createLogger(config.logLevel, { component: "controller" });
  const kc = new KubeConfig();
  kc.loadFromDefault();
  const metrics = new Metrics();
  const aws = awsClientsFor(config, {
    observeCall: (service, operation, outcome) => metrics.awsCalls.inc({ service, operation, outcome }),
    observeThrottle: (service) => metrics.awsThrottled.inc({ service }),
  });
  // API call events reach the objects they concern through the router, one more watch source of
  // every managed kind's controller; the queue reader feeds it.
  const router = config.eventsQueueUrl ? new EventRouter() : undefined;
  const context = { ...kindContextFor(config, aws), ...(router ? { apiCallEvents: router } : {}) };
  const manager = createManager({
    config,
    kc,
    logger,
    metrics,
    controllers: (runtime) => controllersOf(runtime, context),
    prepare: async (signal) => {
      await learnOwnAccount(aws, logger, signal);
      if (!signal.aborted) await guardCredentials(aws, config, logger, metrics, signal);
    },
    alongside: router ? [eventsQueueOf(config, aws, router, metrics, logger)] : [],
  });
  try {
    return await runUntilStopped(manager, logger, config.shutdownTimeout);
  } catch (err) {
    if (err instanceof LongTermCredentialsRefused) {
      logger.error("refusing to start", { reason: err.message });
      await manager.stop();
      console.error(`orgguard controller: ${err.message}`);
      return 1;
    }
    if (!(err instanceof BindError)) throw err;
    console.error(`orgguard controller: ${err.message} (${BIND_FLAGS[err.server]}): choose another address`);
    return 1;
  }
}

/** The controller's credentials are a long-term key and --allow-long-term-credentials is not given. */
class LongTermCredentialsRefused extends Error {
  override readonly name = "LongTermCredentialsRefused";
}

/** How often a controller allowed to run on a long-term key says so again. */
const LONG_TERM_WARNING_INTERVAL_MS = 3_600_000;

/**
 * No long-term access key for orgguard itself (the seeds' first rule): refuses one unless
 * --allow-long-term-credentials, and then warns now and every hour, with a metric an alert can
 * watch. Credentials are read once (the SDK's chain caches them); the key id is never logged.
 */
async function guardCredentials(
  aws: AwsClients,
  config: ControllerConfig,
  logger: Logger,
  metrics: Metrics,
  signal: AbortSignal,
): Promise<void> {
  const reason = longTermKeyReason(await aws.ownCredentials());
  metrics.longTermCredentials.set(reason ? 1 : 0);
  if (!reason) return;
  if (!config.allowLongTermCredentials) {
    throw new LongTermCredentialsRefused(
      `the AWS credentials are a long-term access key: ${reason}. ${SESSION_CREDENTIALS_ADVICE}, or give --allow-long-term-credentials`,
    );
  }
  const warn = () =>
    logger.warn("running on a long-term access key (--allow-long-term-credentials)", {
      reason,
      advice: SESSION_CREDENTIALS_ADVICE,
    });
  warn();
  const timer = setInterval(warn, LONG_TERM_WARNING_INTERVAL_MS);
  timer.unref();
  signal.addEventListener("abort", () => clearInterval(timer), { once: true });
}

/**
 * The events queue reader (--events-queue-url): each message is routed to the objects it concerns,
 * which are enqueued at once; what happens is counted and logged.
 */
function eventsQueueOf(
  config: ControllerConfig,
  aws: AwsClients,
  router: EventRouter,
  metrics: Metrics,
  logger: Logger,
): EventsQueue {
  const log = logger.child({ component: "events-queue" });
  const queueUrl = config.eventsQueueUrl;
  log.info("reading API call events", { queueUrl });
  return new EventsQueue(aws.sqs(queueRegion(queueUrl) ?? config.awsRegion), {
    queueUrl,
    handle: (body) =>
      router.handle(body, (enqueued, event) => {
        for (const e of enqueued) metrics.eventsEnqueued.inc({ kind: e.kind });
        log.info("an API call changed what orgguard keeps: reconciling at once", {
          call: `${event.eventSource}/${event.eventName}`,
          account: event.account,
          region: event.region,
          caller: event.callerArn,
          objects: enqueued.map((e) => `${e.kind}/${e.name}`),
        });
      }),
    onOutcome: (outcome) => {
      metrics.eventsReceived.inc({ outcome });
      if (outcome === "malformed") log.warn("deleted a message that is not an EventBridge API call event");
    },
    onQueueState: (up, problem, retryInMs) => {
      metrics.eventsQueueUp.set(up ? 1 : 0);
      if (up) log.info("events queue readable");
      else log.warn("cannot read the events queue: polling goes on; retrying", { problem, retryInMs });
    },
  });
}

/**
 * Resolves the controller's own AWS account before any controller starts (the probes already
 * answer; /readyz says why it is not ready yet): account settings without an accountId mean this
 * account, and claims between objects are compared with it. Without credentials nothing could be
 * reconciled anyway, so this retries, with backoff and saying why, until STS answers.
 */
async function learnOwnAccount(aws: AwsClients, logger: Logger, signal: AbortSignal): Promise<void> {
  for (let delay = 1000; !signal.aborted; delay = Math.min(delay * 2, 30_000)) {
    try {
      const account = await aws.ownAccountId();
      logger.info("running as AWS account", { account });
      return;
    } catch (err) {
      logger.warn("cannot learn the controller's own AWS account (sts:GetCallerIdentity): retrying", {
        error: err,
        retryInMs: delay,
      });
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        signal.addEventListener(
          "abort",
          () => {
            clearTimeout(timer);
            resolve();
          },
          { once: true },
        );
      });
    }
  }
}
