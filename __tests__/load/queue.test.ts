import { EventSourceMapping, LocalQueue } from '../../local/load/sqs';
import { TokenBucket } from '../../local/load/token-bucket';
import { parseFaults, seededRandom, shuffle } from '../../local/load/faults';

describe('LocalQueue (SQS standard-queue semantics)', () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => (now = 1_000));

  it('hides a received message for the visibility timeout, then delivers it again with a new receipt handle', () => {
    const q = new LocalQueue({ name: 'q', visibilityTimeoutMs: 100, now: clock });
    q.send('a');
    const [first] = q.receive();
    expect(first?.attributes.ApproximateReceiveCount).toBe('1');
    expect(q.receive()).toEqual([]);
    now += 100;
    const [second] = q.receive();
    expect(second?.messageId).toBe(first?.messageId);
    expect(second?.attributes.ApproximateReceiveCount).toBe('2');
    expect(second?.receiptHandle).not.toBe(first?.receiptHandle);
  });

  it('ignores a delete with a stale receipt handle (the message stays), and deletes with the latest', () => {
    const q = new LocalQueue({ name: 'q', visibilityTimeoutMs: 10, now: clock });
    q.send('a');
    const [first] = q.receive();
    now += 10;
    const [second] = q.receive();
    expect(q.delete(first.messageId, first.receiptHandle)).toBe(false);
    expect(q.size).toBe(1);
    expect(q.staleDeletes).toBe(1);
    expect(q.delete(second.messageId, second.receiptHandle)).toBe(true);
    expect(q.size).toBe(0);
  });

  it('moves a message to the dead-letter queue on the receive after maxReceiveCount', () => {
    const dlq = new LocalQueue({ name: 'dlq', visibilityTimeoutMs: 10, now: clock });
    const q = new LocalQueue({ name: 'q', visibilityTimeoutMs: 10, maxReceiveCount: 3, deadLetterQueue: dlq, now: clock });
    q.send('poison');
    for (let i = 1; i <= 3; i++) {
      expect(q.receive()).toHaveLength(1);
      now += 10;
    }
    expect(q.receive()).toEqual([]);
    expect(q.size).toBe(0);
    expect(dlq.bodies()).toEqual(['poison']);
    expect(q.movedToDeadLetter).toBe(1);
  });

  it('returns at most 10 messages per receive, as ReceiveMessage does', () => {
    const q = new LocalQueue({ name: 'q', visibilityTimeoutMs: 10, now: clock });
    for (let i = 0; i < 25; i++) q.send(String(i));
    expect(q.receive(10)).toHaveLength(10);
    expect(() => q.receive(11)).toThrow(/MaxNumberOfMessages must be 1..10/);
  });
});

describe('EventSourceMapping (ReportBatchItemFailures)', () => {
  it('deletes the messages not reported as failed, keeps the failed ones, and keeps the whole batch when the function throws', async () => {
    const q = new LocalQueue({ name: 'q', visibilityTimeoutMs: 60_000 });
    const ids = ['ok', 'fail', 'ok2'].map((b) => q.send(b));
    let calls = 0;
    const mapping = new EventSourceMapping(
      q,
      async (records) => {
        calls += 1;
        return { batchItemFailures: records.filter((r) => r.body === 'fail').map((r) => ({ itemIdentifier: r.messageId })) };
      },
      { batchSize: 10, concurrency: 1, pollIntervalMs: 1 },
    );
    mapping.start();
    while (calls === 0 || mapping.inFlight > 0) await new Promise((r) => setTimeout(r, 2));
    await mapping.stop();
    expect(q.size).toBe(1);
    expect(q.bodies()).toEqual(['fail']);
    expect(ids).toHaveLength(3);

    const crashing = new LocalQueue({ name: 'c', visibilityTimeoutMs: 60_000 });
    crashing.send('x');
    const crash = new EventSourceMapping(crashing, async () => Promise.reject(new Error('container died')), { batchSize: 10, concurrency: 1, pollIntervalMs: 1 });
    crash.start();
    while (crash.failedInvocations === 0) await new Promise((r) => setTimeout(r, 2));
    await crash.stop();
    expect(crashing.size).toBe(1);
  });
});

describe('TokenBucket', () => {
  it('allows a burst of `size`, then refills at the rate', () => {
    let now = 0;
    const bucket = new TokenBucket(3, 2, () => now);
    expect([bucket.tryTake(), bucket.tryTake(), bucket.tryTake(), bucket.tryTake()]).toEqual([true, true, true, false]);
    now += 500; // one token at 2/s
    expect([bucket.tryTake(), bucket.tryTake()]).toEqual([true, false]);
    now += 10_000; // never more than the size
    expect([bucket.tryTake(), bucket.tryTake(), bucket.tryTake(), bucket.tryTake()]).toEqual([true, true, true, false]);
    expect(bucket.throttled).toBe(3);
  });

  it('rejects a bucket that could never admit a call', () => {
    expect(() => new TokenBucket(0, 1)).toThrow(/size must be >= 1/);
  });
});

describe('faults', () => {
  it('parses all, none and lists, and names the known faults on a typo', () => {
    expect([...parseFaults('all')]).toEqual(['throttle', 'ddb-throttle', 'crash', 'duplicates', 'reorder', 'timeouts']);
    expect(parseFaults('none').size).toBe(0);
    expect([...parseFaults('crash, duplicates')]).toEqual(['crash', 'duplicates']);
    expect(() => parseFaults('crash,thrott')).toThrow(/unknown fault "thrott" \(known: throttle, ddb-throttle/);
  });

  it('is reproducible for a seed', () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const seqA = [a(), a(), a()];
    expect([b(), b(), b()]).toEqual(seqA);
    expect(seqA.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(shuffle([1, 2, 3, 4, 5], seededRandom(3)).sort()).toEqual([1, 2, 3, 4, 5]);
  });
});
