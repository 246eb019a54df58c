/**
 * Reads the events queue: long-polls SQS, hands each message to a handler, deletes every message
 * it has read (a message the handler cannot use would never become usable: retrying it would only
 * block the queue), and keeps trying with backoff when the queue cannot be read. Polling goes on
 * meanwhile, so an unreadable queue degrades the controller (a health message and a metric), it
 * never makes it unready.
 */
import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { errorMessage } from "../runtime/reconcile-errors.js";
import { awsErrorCode } from "./aws-errors.js";

/** What became of one message (a metric label). */
export type MessageOutcome = "enqueued" | "own_write" | "unmatched" | "failed_call" | "malformed";

export interface EventsQueueOptions {
  queueUrl: string;
  /** Called with each message body; never throws (what it cannot read is "malformed"). */
  handle(body: string): MessageOutcome;
  /** Observers, for metrics and logs. */
  onOutcome?(outcome: MessageOutcome, detail?: string): void;
  onQueueState?(up: boolean, problem?: string, retryInMs?: number): void;
  /** Long-poll wait (SQS allows up to 20 s). */
  waitSeconds?: number;
  /** Backoff after a failed receive: from `backoffBaseMs`, doubling, up to `backoffMaxMs`. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
}

/** The region of a queue URL (https://sqs.eu-west-1.amazonaws.com/...), if it names one. */
export function queueRegion(queueUrl: string): string | undefined {
  return /^https:\/\/sqs\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?\//.exec(queueUrl)?.[1];
}

export class EventsQueue {
  readonly name = "events-queue";
  private running: Promise<void> | undefined;
  private readonly stopping = new AbortController();
  private problem: string | undefined = "not read yet";

  constructor(
    private readonly sqs: SQSClient,
    private readonly options: EventsQueueOptions,
  ) {}

  start(): void {
    this.running ??= this.loop();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.running;
  }

  /** The queue is not what readiness waits for: polling works without it. */
  hasSynced(): boolean {
    return true;
  }

  /** Why the queue cannot be read now, or undefined while it can. */
  health(): string | undefined {
    return this.problem && this.problem !== "not read yet" ? `events queue: ${this.problem}` : undefined;
  }

  private async loop(): Promise<void> {
    const base = this.options.backoffBaseMs ?? 1000;
    const max = this.options.backoffMaxMs ?? 60_000;
    let delay = base;
    while (!this.stopping.signal.aborted) {
      try {
        const messages = await this.receive();
        this.markUp();
        delay = base;
        if (messages.length > 0) await this.process(messages);
      } catch (err) {
        if (this.stopping.signal.aborted) return;
        this.problem = `cannot read ${this.options.queueUrl}: ${awsErrorCode(err) ?? "error"}: ${errorMessage(err)}`;
        this.options.onQueueState?.(false, this.problem, delay);
        await this.sleep(delay);
        delay = Math.min(delay * 2, max);
      }
    }
  }

  private markUp(): void {
    if (this.problem !== undefined) this.options.onQueueState?.(true);
    this.problem = undefined;
  }

  private async receive(): Promise<Message[]> {
    const out = await this.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.options.queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: this.options.waitSeconds ?? 20,
      }),
      { abortSignal: this.stopping.signal },
    );
    return out.Messages ?? [];
  }

  /**
   * Handles every message, then deletes them all in one call. Deleting after handling means a
   * crash in between delivers them again: harmless, since a message only enqueues keys.
   */
  private async process(messages: Message[]): Promise<void> {
    for (const message of messages) {
      const outcome = this.options.handle(message.Body ?? "");
      this.options.onOutcome?.(outcome);
    }
    const entries = messages.flatMap((m, i) =>
      m.ReceiptHandle ? [{ Id: String(i), ReceiptHandle: m.ReceiptHandle }] : [],
    );
    await this.sqs.send(
      new DeleteMessageBatchCommand({ QueueUrl: this.options.queueUrl, Entries: entries }),
      {
        abortSignal: this.stopping.signal,
      },
    );
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.stopping.signal.addEventListener(
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
