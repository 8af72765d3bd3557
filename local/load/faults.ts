/**
 * The faults the load harness can inject, each switchable (`--faults a,b` or `all`), and the
 * small seeded random source that decides where they land, so a run is reproducible.
 */
export const FAULTS = {
  throttle: 'StartExecution throttled by a token bucket (AWS quota shape, shrunk so it bites)',
  'ddb-throttle': 'DynamoDB throttling bursts (ProvisionedThroughputExceededException windows)',
  crash: 'start-workflow dies after a StartExecution, before the batch is acknowledged',
  duplicates: 'S3 delivers some Object Created events twice, some late',
  reorder: 'MediaConvert progress events out of order, and late ones after the job finished',
  timeouts: 'Transcode tasks that time out, and executions that time out as a whole',
} as const;

export type Fault = keyof typeof FAULTS;

export const ALL_FAULTS = Object.keys(FAULTS) as Fault[];

/** `all`, `none`, or a comma-separated list of fault names; an unknown name is an error naming the known ones. */
export function parseFaults(spec: string): Set<Fault> {
  const trimmed = spec.trim();
  if (trimmed === 'all') return new Set(ALL_FAULTS);
  if (trimmed === '' || trimmed === 'none') return new Set();
  const out = new Set<Fault>();
  for (const name of trimmed.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (!(name in FAULTS)) throw new Error(`--faults: unknown fault "${name}" (known: ${ALL_FAULTS.join(', ')}, all, none)`);
    out.add(name as Fault);
  }
  return out;
}

/** mulberry32: a tiny seeded PRNG (uniform [0, 1)); Math.random cannot be seeded. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher-Yates with the seeded source. */
export function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * DynamoDB throttling in bursts: for `burstMs` of every `periodMs`, each request fails with
 * probability `failRate` the way DynamoDB refuses it (ProvisionedThroughputExceededException,
 * HTTP 400), which the SDK's standard retry strategy treats as throttling and retries.
 */
export interface ThrottleWindow {
  readonly periodMs: number;
  readonly burstMs: number;
  readonly failRate: number;
}

export class DynamoThrottle {
  injected = 0;
  private readonly started = Date.now();

  constructor(
    private readonly window: ThrottleWindow,
    private readonly random: () => number,
  ) {}

  /** Whether this request is refused now. */
  refuse(): boolean {
    const phase = (Date.now() - this.started) % this.window.periodMs;
    if (phase >= this.window.burstMs || this.random() >= this.window.failRate) return false;
    this.injected += 1;
    return true;
  }

  error(): Error {
    return Object.assign(new Error('The level of configured provisioned throughput for the table was exceeded (injected)'), {
      name: 'ProvisionedThroughputExceededException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400, requestId: 'load-harness' },
    });
  }
}

/**
 * Adds the throttle to an SDK v3 client inside its retry loop (finalizeRequest, low priority:
 * after the retry middleware), so the SDK's own retries see it as the service's answer.
 */
export function injectDynamoThrottle(client: { middlewareStack: { add: (...args: never[]) => void } }, throttle: DynamoThrottle): void {
  const middleware =
    (next: (args: unknown) => Promise<unknown>) =>
    async (args: unknown): Promise<unknown> => {
      if (throttle.refuse()) throw throttle.error();
      return next(args);
    };
  (client.middlewareStack.add as (m: unknown, o: unknown) => void)(middleware, {
    step: 'finalizeRequest',
    priority: 'low',
    name: 'loadHarnessDynamoThrottle',
  });
}
