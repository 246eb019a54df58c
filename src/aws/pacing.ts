/**
 * How fast orgguard calls AWS: as fast as AWS answers, slower as soon as it throttles.
 *
 * Each SDK client runs the AWS SDK's own adaptive retry mode (`AdaptiveRetryStrategy` with its
 * `DefaultRateLimiter`, from @smithy/core): no client-side limit until AWS first answers
 * "throttled"; then a token bucket at 70 % of the rate the client was measured sending, growing
 * back along a cubic curve (CUBIC congestion control) while answers succeed, and cut again at the
 * next throttling answer. The SDK keeps one such limiter per client, and orgguard keeps one client
 * per service and region; member accounts share one client per service and region
 * (account-views.ts), and there the pace is kept per target (service, account, region) instead: so
 * the pace is per service and per account, which is where AWS throttles (IAM and S3 Control per
 * account, EC2 per account and region, Organizations per organization: one client for the whole
 * process). A target's limiter is made at its first throttling answer (until then the SDK's lets
 * every attempt through anyway); having measured nothing yet, it starts at the SDK's lowest rate
 * and grows back along the same curve. At most MAX_PACED_TARGETS are kept per client, the most
 * recently throttled: one evicted starts again unpaced, and is paced anew at its next throttling.
 *
 * Why the SDK's and not an AIMD limiter of orgguard's own: it is AWS's specified behaviour for
 * every SDK, maintained with the SDK, and it already follows exactly the answers orgguard wants to
 * follow (the SDK's list of throttling codes: TooManyRequestsException, Throttling, SlowDown,
 * RequestLimitExceeded...). It lacks two things, added here around it: an upper bound an operator
 * sets (the Organizations ceiling, `--organizations-rate` / `--organizations-burst`: AWS publishes
 * no Organizations rate, and other tools share the organization's allowance) and a count of
 * throttling answers per service (the metric `orgguard_aws_throttled_total`).
 *
 * A throttled attempt is retried by the SDK within `--aws-max-attempts`; only a call throttled on
 * every attempt fails, and the work queue retries it with backoff (`Synced=False/Throttled`).
 */
import { AdaptiveRetryStrategy, DefaultRateLimiter, type RateLimiter } from "@smithy/core/retry";
import type { RetryStrategyV2 } from "@smithy/types";
import type { TokenBucket } from "./limiter.js";

/** The retry error type the SDK gives a throttling answer (RetryErrorInfo.errorType). */
const THROTTLING = "THROTTLING";

/** Whether what the SDK reports to the rate limiter after an attempt is a throttling answer. */
export function isThrottlingAnswer(info: unknown): boolean {
  return typeof info === "object" && info !== null && "errorType" in info && info.errorType === THROTTLING;
}

export interface PaceOptions {
  /** An upper bound on the attempts sent, whatever the adaptive rate allows (Organizations). */
  ceiling?: Pick<TokenBucket, "take">;
  /** Called once for every throttling answer (each attempt, the last one included). */
  onThrottled?: () => void;
  /**
   * For a client several targets share: the target the current attempt acts in (undefined
   * outside one). Each target then has a pace of its own.
   */
  targetOf?: () => string | undefined;
}

/** The most targets one shared client keeps a pace for (each a few hundred bytes). */
export const MAX_PACED_TARGETS = 1000;

/**
 * The rate limiter of one SDK client: the SDK's adaptive one, under an optional ceiling, counting
 * throttling answers. The SDK asks it for a token before every attempt (retries included) and
 * reports every attempt's outcome to it.
 */
export class AdaptivePace implements RateLimiter {
  private readonly adaptive = new DefaultRateLimiter();
  /** With `targetOf`: the limiters of throttled targets, the most recently throttled last. */
  private readonly targets = new Map<string, DefaultRateLimiter>();

  constructor(private readonly options: PaceOptions = {}) {}

  async getSendToken(): Promise<void> {
    const limiter = this.limiter(false); // the attempt's target, before anything is awaited
    await this.options.ceiling?.take();
    await limiter?.getSendToken();
  }

  updateClientSendingRate(info: unknown): void {
    const throttled = isThrottlingAnswer(info);
    if (throttled) this.options.onThrottled?.();
    this.limiter(throttled)?.updateClientSendingRate(info);
  }

  /** The limiter of the current attempt: the client's, or its target's (made when it is throttled). */
  private limiter(throttled: boolean): RateLimiter | undefined {
    const target = this.options.targetOf?.();
    if (target === undefined) return this.adaptive;
    let limiter = this.targets.get(target);
    if (throttled) {
      limiter ??= new DefaultRateLimiter();
      this.targets.delete(target); // re-inserted: Map order is the order of the latest throttling
      this.targets.set(target, limiter);
      if (this.targets.size > MAX_PACED_TARGETS) {
        const oldest = this.targets.keys().next().value;
        if (oldest !== undefined) this.targets.delete(oldest);
      }
    }
    return limiter;
  }
}

/** The retry strategy of one SDK client: `maxAttempts` attempts per call, paced by an AdaptivePace. */
export function adaptiveRetryStrategy(maxAttempts: number, options: PaceOptions = {}): RetryStrategyV2 {
  return new AdaptiveRetryStrategy(maxAttempts, { maxAttempts, rateLimiter: new AdaptivePace(options) });
}
