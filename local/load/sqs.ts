import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { randomUUID } from 'node:crypto';

/**
 * An in-process queue with the SQS (standard queue) semantics the ingest path depends on:
 * at-least-once delivery, a visibility timeout per receive, redelivery of what is not deleted,
 * ApproximateReceiveCount, a redrive policy (maxReceiveCount -> dead-letter queue) and receipt
 * handles that change on every receive.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-visibility-timeout.html
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html
 *
 * Time is real but scaled: the harness gives visibility timeouts in milliseconds.
 */
export interface LocalQueueOptions {
  readonly name: string;
  readonly visibilityTimeoutMs: number;
  /** Redrive policy: after this many receives a message moves to `deadLetterQueue` on its next receive. */
  readonly maxReceiveCount?: number;
  readonly deadLetterQueue?: LocalQueue;
  readonly now?: () => number;
}

interface StoredMessage {
  readonly messageId: string;
  readonly body: string;
  readonly sentAt: number;
  receiveCount: number;
  firstReceivedAt?: number;
  /** Invisible until this time (ms); 0 = visible. */
  invisibleUntil: number;
  /** The handle of the latest receive; only it deletes the message. */
  receiptHandle?: string;
}

export class LocalQueue {
  private readonly messages = new Map<string, StoredMessage>();
  private readonly now: () => number;
  /** Deletes that came with a receipt handle from an earlier receive (SQS accepts and ignores them). */
  staleDeletes = 0;
  sent = 0;
  movedToDeadLetter = 0;

  constructor(private readonly options: LocalQueueOptions) {
    this.now = options.now ?? Date.now;
  }

  get name(): string {
    return this.options.name;
  }

  send(body: string): string {
    const messageId = randomUUID();
    this.messages.set(messageId, { messageId, body, sentAt: this.now(), receiveCount: 0, invisibleUntil: 0 });
    this.sent += 1;
    return messageId;
  }

  /** Messages stored (visible or in flight). */
  get size(): number {
    return this.messages.size;
  }

  get visibleCount(): number {
    const now = this.now();
    let n = 0;
    for (const m of this.messages.values()) if (m.invisibleUntil <= now) n += 1;
    return n;
  }

  /** Bodies of every stored message (for the dead-letter queue's accounting). */
  bodies(): string[] {
    return [...this.messages.values()].map((m) => m.body);
  }

  /** When the next in-flight message becomes visible again (ms), or undefined when none is in flight. */
  nextVisibleAt(): number | undefined {
    let next: number | undefined;
    const now = this.now();
    for (const m of this.messages.values()) {
      if (m.invisibleUntil > now) next = next === undefined ? m.invisibleUntil : Math.min(next, m.invisibleUntil);
    }
    return next;
  }

  /**
   * ReceiveMessage: up to `max` (SQS: 1..10) visible messages, each made invisible for the
   * visibility timeout with a new receipt handle. A message already received maxReceiveCount
   * times moves to the dead-letter queue instead of being returned.
   */
  receive(max = 10): SQSRecord[] {
    if (max < 1 || max > 10) throw new Error(`ReceiveMessage: MaxNumberOfMessages must be 1..10, got ${max}`);
    const now = this.now();
    const out: SQSRecord[] = [];
    for (const m of this.messages.values()) {
      if (out.length >= max) break;
      if (m.invisibleUntil > now) continue;
      const limit = this.options.maxReceiveCount;
      if (limit !== undefined && m.receiveCount >= limit && this.options.deadLetterQueue) {
        this.messages.delete(m.messageId);
        this.options.deadLetterQueue.send(m.body);
        this.movedToDeadLetter += 1;
        continue;
      }
      m.receiveCount += 1;
      m.firstReceivedAt ??= now;
      m.invisibleUntil = now + this.options.visibilityTimeoutMs;
      m.receiptHandle = randomUUID();
      out.push(this.record(m));
    }
    return out;
  }

  /** DeleteMessage: only the latest receipt handle deletes; an older one is accepted and ignored, as in SQS. */
  delete(messageId: string, receiptHandle: string): boolean {
    const m = this.messages.get(messageId);
    if (!m) return false;
    if (m.receiptHandle !== receiptHandle) {
      this.staleDeletes += 1;
      return false;
    }
    this.messages.delete(messageId);
    return true;
  }

  private record(m: StoredMessage): SQSRecord {
    return {
      messageId: m.messageId,
      receiptHandle: m.receiptHandle!,
      body: m.body,
      attributes: {
        ApproximateReceiveCount: String(m.receiveCount),
        SentTimestamp: String(m.sentAt),
        SenderId: 'AROAEVENTBRIDGE:events',
        ApproximateFirstReceiveTimestamp: String(m.firstReceivedAt ?? this.now()),
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: `arn:aws:sqs:us-east-1:000000000000:${this.options.name}`,
      awsRegion: 'us-east-1',
    };
  }
}

/** The function behind an event source mapping: a batch in, a partial batch response out (or a throw). */
export type BatchHandler = (records: SQSRecord[]) => Promise<SQSBatchResponse>;

export interface EventSourceMappingOptions {
  readonly batchSize: number;
  /** Concurrent invocations (the mapping's maximum concurrency). */
  readonly concurrency: number;
  /** How long an idle poller waits before polling again (ms). */
  readonly pollIntervalMs?: number;
}

/**
 * Lambda's SQS event source mapping with ReportBatchItemFailures: pollers receive batches,
 * invoke the function, and delete every message not reported as failed. When the function
 * throws (a crash, a timeout), nothing is deleted: the whole batch becomes visible again after
 * the visibility timeout.
 * https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html
 */
export class EventSourceMapping {
  invocations = 0;
  failedInvocations = 0;
  /** Invocations running now. */
  inFlight = 0;
  private stopped = false;
  private readonly pollers: Promise<void>[] = [];

  constructor(
    private readonly queue: LocalQueue,
    private readonly handler: BatchHandler,
    private readonly options: EventSourceMappingOptions,
  ) {}

  start(): void {
    for (let i = 0; i < this.options.concurrency; i++) this.pollers.push(this.poll());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.pollers);
  }

  private async poll(): Promise<void> {
    const idle = this.options.pollIntervalMs ?? 5;
    while (!this.stopped) {
      const batch = this.queue.receive(this.options.batchSize);
      if (batch.length === 0) {
        await sleep(idle);
        continue;
      }
      this.invocations += 1;
      this.inFlight += 1;
      let response: SQSBatchResponse;
      try {
        response = await this.handler(batch);
      } catch {
        this.failedInvocations += 1;
        continue;
      } finally {
        this.inFlight -= 1;
      }
      const failed = new Set((response.batchItemFailures ?? []).map((f) => f.itemIdentifier));
      for (const record of batch) {
        if (!failed.has(record.messageId)) this.queue.delete(record.messageId, record.receiptHandle);
      }
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
