import '../polyfills';
import { CopyObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { SFNClient, SFNServiceException, StartExecutionCommand, type StartExecutionCommandInput } from '@aws-sdk/client-sfn';
import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { INGEST_MAX_RECEIVE_COUNT } from '../../stacks/ingest';
import type { JobRecord, WorkflowInput } from '../../handlers/shared/job';
import { LOCAL_NAMES, localEvent } from '../environment';
import { mapBounded } from '../pool';
import { startLocalRuntime, type LocalRuntime } from '../runtime';
import { LOCAL_ACCOUNT_ID, LOCAL_CREDENTIALS, LOCAL_REGION } from '../standins';
import { StatesError } from '../tasks';
import { runLocalTranscode, type CreateJobRequest, type LocalTranscoderDeps, type TranscodeOutcome } from '../transcoder';
import { FAULT_RATES, firstThenRate, type FaultRates } from './rates';
import { DynamoThrottle, injectDynamoThrottle, seededRandom, shuffle, type Fault } from './faults';
import { EventSourceMapping, LocalQueue, sleep } from './sqs';
import { START_EXECUTION_QUOTA, TokenBucket } from './token-bucket';

export interface LoadOptions {
  readonly jobs: number;
  /** Concurrent start-workflow invocations (the event source mapping's maximum concurrency). */
  readonly concurrency: number;
  readonly faults: ReadonlySet<Fault>;
  /** The clip every synthetic upload carries (default: the 1.5 s landscape fixture). */
  readonly clip?: string;
  readonly seed?: number;
  /** State folder (default: a fresh temporary folder, removed at the end). */
  readonly stateDir?: string;
  /** Give up (and report what is unfinished as lost) after this long. */
  readonly deadlineMs?: number;
  /**
   * A deliberate bug in the ingest path, to show the harness catches it:
   * `ack-before-start` deletes each batch from the queue before start-workflow runs it.
   */
  readonly sabotage?: 'ack-before-start';
  /** How often each fault lands (defaults: FAULT_RATES). */
  readonly rates?: Partial<FaultRates>;
  readonly onProgress?: (line: string) => void;
}

export interface LoadReport {
  readonly jobs: number;
  readonly completed: number;
  readonly failed: number;
  readonly rejected: number;
  readonly inDlq: number;
  readonly lost: number;
  readonly duplicateExecutions: number;
  readonly regressedProgress: number;
  readonly wallSeconds: number;
  readonly jobsPerSecond: number;
  readonly peakRssMb: number;
  /** FAILED records (runs and rejections) by error name. */
  readonly failures: Record<string, number>;
  /** How often each fault actually fired, and the queue's own counts. */
  readonly injected: Record<string, number>;
  /** Why the run failed (empty when it passed). */
  readonly violations: string[];
}

export const DEFAULT_CLIP = resolve(__dirname, '../../__tests__/fixtures/media/landscape.mp4');

/**
 * Time in the harness is real but scaled down, keeping the stacks' ratio: the ingest queue's
 * visibility timeout is 6x the consumer's timeout (plus the batching window) in the stacks, and
 * here a start-workflow invocation is cut off after a sixth of the visibility timeout, so a
 * redelivery after a crash takes seconds, not six minutes.
 */
const VISIBILITY_TIMEOUT_MS = 30_000;
const CONSUMER_TIMEOUT_MS = Math.floor(VISIBILITY_TIMEOUT_MS / 6);
const BATCH_SIZE = 10;
/**
 * Lambda invocations the harness runs at once. In AWS each runs in its own container; here one
 * at a time left the process idle 41 % of a 2,000-upload run (profiled), waiting on its own
 * loopback S3 and DynamoDB while the other executions queued. The harness silences the
 * handlers' logs and metrics, the only module state the handlers share across invocations
 * (extract-metadata still runs one at a time: see the runtime's SERIAL_FUNCTIONS).
 */
const LAMBDA_CONCURRENCY = 8;
/**
 * The StartExecution bucket under the `throttle` fault: half the harness's own start rate (10
 * start-workflow invocations at once started 20 executions a second in a 10,000-upload run on
 * 2 cores) whatever the number of uploads, so the bucket runs dry all through the burst. Sized
 * by the number of uploads instead (N/20 tokens, N/50 a second), it never ran dry in a
 * 10,000-upload run: one throttle, the forced first.
 */
const THROTTLE_BUCKET = { size: 25, refillPerSecond: 10 } as const;
/** How often each fault lands (per batch for crashes, per upload or job otherwise). */
const PROGRESS_STEPS = [10, 35, 60, 85] as const;
const TERMINAL = new Set(['COMPLETED', 'FAILED']);

/** An error that ends a start-workflow invocation as a crashed container would. */
class ContainerCrashed extends Error {
  override readonly name = 'ContainerCrashed';
}

/**
 * Drives `jobs` synthetic uploads through the cloud's ingest and workflow code: an S3 "Object
 * Created" event per upload -> an SQS-semantics queue (visibility timeout, redelivery,
 * maxReceiveCount, DLQ) -> the real start-workflow batch processing -> the real ASL on
 * aws-local-stepfunctions with the real Lambda handlers -> the real job-progress handler fed
 * MediaConvert and Step Functions events, over dynalite and s3rver. The transcode is a fast
 * stand-in: ffmpeg renders the clip once (the first job), later jobs get copies of those outputs
 * under their own prefix. Returns the accounting; `violations` lists what broke the guarantees.
 */
export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const random = seededRandom(options.seed ?? 1);
  const faults = options.faults;
  const RATES: FaultRates = { ...FAULT_RATES, ...options.rates };
  const say = options.onProgress ?? (() => {});
  const ownState = options.stateDir === undefined;
  const stateDir = options.stateDir ?? (await mkdtemp(join(tmpdir(), 'video-workflow-load-')));
  const clipBytes = await readFile(options.clip ?? DEFAULT_CLIP);
  const clipEtag = createHash('md5').update(clipBytes).digest('hex');

  let peakRss = process.memoryUsage().rss;
  const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 200);
  const injected: Record<string, number> = {};
  const count = (name: string, n = 1) => (injected[name] = (injected[name] ?? 0) + n);

  const transcoder = new TemplateTranscoder(random, faults, RATES);
  let runtime: LocalRuntime | undefined;
  const started = Date.now();
  try {
    runtime = await startLocalRuntime({ stateDir, retryIntervalMs: 20, transcode: transcoder.run, lambdaTimeoutFromInvocationStart: true, lambdaConcurrency: LAMBDA_CONCURRENCY });
    const { internals } = runtime;
    transcoder.attach(runtime);
    const sharedClients = (await import('../../handlers/shared/clients'));

    const ddbThrottle = new DynamoThrottle({ periodMs: 1000, burstMs: 150, failRate: 0.5 }, random);
    if (faults.has('ddb-throttle')) {
      injectDynamoThrottle(sharedClients.documentClient(), ddbThrottle);
      injectDynamoThrottle(internals.dynamodb, ddbThrottle);
    }

    // StartExecution: AWS's bucket for the big Regions; the `throttle` fault shrinks it so the
    // harness actually hits it (at 1,300 / 300 per s one machine never would): THROTTLE_BUCKET.
    const bucket = faults.has('throttle')
      ? new TokenBucket(THROTTLE_BUCKET.size, THROTTLE_BUCKET.refillPerSecond)
      : new TokenBucket(START_EXECUTION_QUOTA.largeRegions.size, START_EXECUTION_QUOTA.largeRegions.refillPerSecond);

    // --- the progress monitor: every observation of a record must move forward ---
    const seen = new Map<string, { status: string; progress: number }>();
    let regressed = 0;
    const regressions: string[] = [];
    const observe = (job: JobRecord | undefined) => {
      if (!job) return;
      const now = { status: job.status, progress: job.status === 'COMPLETED' ? 100 : (job.progress ?? 0) };
      const before = seen.get(job.jobId);
      if (before) {
        const leftTerminal = TERMINAL.has(before.status) && before.status !== now.status;
        const backwards = !TERMINAL.has(now.status) && now.progress < before.progress;
        if (leftTerminal || backwards) {
          regressed += 1;
          if (regressions.length < 5) regressions.push(`${job.jobId}: ${before.status}/${before.progress} -> ${now.status}/${now.progress}`);
        }
      }
      seen.set(job.jobId, now);
    };
    /** Runs `work` until it succeeds, `attempts` times at most, `stepMs` × attempt apart; counts each retry under `counter`. */
    const retrying = async <T>(counter: string, attempts: number, stepMs: number, work: () => Promise<T>): Promise<T> => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await work();
        } catch (err) {
          if (attempt >= attempts) throw err;
          count(counter);
          await sleep(stepMs * attempt);
        }
      }
    };
    // The harness's own reads go through the throttled client too (`ddb-throttle`); the monitor
    // is not the system under test, so it keeps asking (one 10,000-upload run lost track of an
    // execution when three attempts of the SDK's retry all fell into one throttle burst).
    const readRecord = (jobId: string) => retrying('monitorReadRetries', 10, 100, () => internals.jobStore.get(jobId));
    transcoder.onProgressDelivered = async (jobId) => observe(await readRecord(jobId));

    // --- executions: track each one, and tell job-progress how those that did not succeed ended ---
    let openExecutions = 0;
    const track = (executionArn: string, jobId: string) => {
      openExecutions += 1;
      void internals.sfn
        .wait(executionArn)
        .then(async (outcome) => {
          if (process.env.LOAD_DEBUG) console.error('execution', jobId, outcome.status, outcome.stopDate.getTime() - outcome.startDate.getTime(), 'ms', outcome.error ?? '');
          observe(await readRecord(jobId));
          if (outcome.status === 'SUCCEEDED') return;
          // EventBridge's "Step Functions Execution Status Change" for FAILED / TIMED_OUT / ABORTED.
          const event = executionStatusEvent(executionArn, jobId, outcome.status, outcome.error, outcome.cause);
          await retrying('executionStatusEventRetries', 3, 50, () => internals.invokeJobProgress(event));
          observe(await readRecord(jobId));
        })
        .catch(() => count('executionTrackingErrors'))
        .finally(() => (openExecutions -= 1));
    };
    transcoder.onHang = (jobId) => {
      // The execution's own TimeoutSeconds elapses: Step Functions stops it as TIMED_OUT.
      const arn = internals.sfn.executionArnOf(jobId);
      count('executionTimeouts');
      setTimeout(() => {
        internals.sfn.stop(arn, 'TIMED_OUT');
        transcoder.release(jobId);
      }, 50);
    };

    // --- the ingest queue and its consumer ---
    const dlq = new LocalQueue({ name: 'ingest-dlq', visibilityTimeoutMs: VISIBILITY_TIMEOUT_MS });
    const queue = new LocalQueue({
      name: 'ingest',
      visibilityTimeoutMs: VISIBILITY_TIMEOUT_MS,
      maxReceiveCount: INGEST_MAX_RECEIVE_COUNT,
      deadLetterQueue: dlq,
    });
    const { processBatch } = (await import('../../handlers/start-workflow/process-batch'));

    const consume = async (records: SQSRecord[]): Promise<SQSBatchResponse> => {
      if (options.sabotage === 'ack-before-start') {
        for (const r of records) queue.delete(r.messageId, r.receiptHandle);
      }
      // Decided once per batch, at its first successful StartExecution: deciding when the batch
      // arrives would let every concurrent first batch see "no crash yet" and all crash.
      let crashAfterStart: boolean | undefined;
      let dead = false;
      // A real SFNClient, as start-workflow has in Lambda: its standard retry strategy (3
      // attempts, backoff with jitter) sees a throttled StartExecution as AWS would send it. The
      // request is answered by the local engine inside the retry loop instead of the network.
      const sfn = new SFNClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
      sfn.middlewareStack.add(
        (_next, context) => async (args) => {
          if (dead) throw new ContainerCrashed('the container is gone');
          if (context.commandName !== 'StartExecutionCommand') throw new Error(`load harness: start-workflow sent ${context.commandName}, which this stand-in does not serve`);
          const input = args.input as StartExecutionCommandInput;
          // Like every fault, `throttle` fires at its first opportunity (the first StartExecution),
          // then as the bucket decides: on a slow, busy machine the bucket may never run dry.
          const throttledFirst = faults.has('throttle') && injected.startExecutionThrottled === undefined;
          if (throttledFirst || !bucket.tryTake()) {
            count('startExecutionThrottled');
            throw new SFNServiceException({ name: 'ThrottlingException', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'Rate exceeded' });
          }
          const out = (await internals.sfn.send(new StartExecutionCommand(input))) as { executionArn: string };
          track(out.executionArn, input.name!);
          crashAfterStart ??= faults.has('crash') && firstThenRate(injected.crashes, RATES.crash, random);
          if (crashAfterStart) {
            dead = true;
            count('crashes');
            throw new ContainerCrashed('start-workflow crashed after StartExecution');
          }
          return { output: { $metadata: {}, ...out }, response: {} };
        },
        { step: 'deserialize', name: 'loadHarnessStepFunctions' },
      );
      const deps = { ...internals.startDeps, sfn: sfn as never, sourceBucket: LOCAL_NAMES.sourceBucket };
      // Lambda ends an invocation at its timeout: the batch is not acknowledged, and the
      // container's later calls never happen (here: they fail).
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          dead = true;
          count('consumerTimeouts');
          reject(new ContainerCrashed('start-workflow timed out'));
        }, CONSUMER_TIMEOUT_MS);
      });
      try {
        const response = await Promise.race([processBatch(records, deps), timeout]);
        // A crashed container never answers: nothing in the batch is acknowledged.
        if (dead) throw new ContainerCrashed('start-workflow crashed');
        return response;
      } finally {
        clearTimeout(timer);
      }
    };
    const mapping = new EventSourceMapping(queue, consume, { batchSize: BATCH_SIZE, concurrency: options.concurrency });

    // --- the burst: every upload lands, and S3 announces each (some twice) ---
    say(`uploading ${options.jobs} objects`);
    const keys = Array.from({ length: options.jobs }, (_, i) => `${LOCAL_NAMES.sourceKeyPrefix}load/${String(i).padStart(6, '0')}-${randomBytes(3).toString('hex')}.mp4`);
    const s3 = sharedClients.s3Client();
    await mapBounded(keys, 16, (key) => putObject(s3, key, clipBytes));
    const uploadedAt = Date.now();
    say(`uploaded in ${((uploadedAt - started) / 1000).toFixed(1)} s; starting the burst`);
    const late: string[] = [];
    for (const key of keys) {
      const body = JSON.stringify(objectCreatedEvent(key, clipBytes.length, clipEtag));
      queue.send(body);
      if (faults.has('duplicates') && firstThenRate(injected.duplicateEvents, RATES.duplicate, random)) {
        count('duplicateEvents');
        if (late.length === 0 || random() < RATES.lateDuplicate) late.push(body);
        else queue.send(body);
      }
    }
    mapping.start();
    const lateSends = (async () => {
      for (const body of shuffle(late, random)) {
        await sleep(5);
        queue.send(body);
      }
    })();

    // --- wait for quiet: queue drained (in-flight messages count), every execution ended ---
    // At least a second per upload (2.8 h for a 10,000-upload burst), whatever the machine.
    const deadline = started + (options.deadlineMs ?? Math.max(15 * 60_000, options.jobs * 1000));
    let lateDone = false;
    void lateSends.then(() => (lateDone = true));
    let lastReport = Date.now();
    for (;;) {
      await sleep(100);
      if (lateDone && queue.size === 0 && mapping.inFlight === 0 && openExecutions === 0 && transcoder.pending === 0) break;
      if (Date.now() > deadline) {
        say('deadline reached; reporting what is unfinished as lost');
        break;
      }
      if (Date.now() - lastReport > 5000) {
        lastReport = Date.now();
        say(`queue ${queue.size} (dlq ${dlq.size}), executions open ${openExecutions} of ${internals.sfn.startedExecutions().length}, elapsed ${((Date.now() - started) / 1000).toFixed(0)} s`);
      }
    }
    await mapping.stop();
    await transcoder.drainLateEvents();
    const wallMs = Date.now() - uploadedAt;

    // --- accounting: one terminal record or one DLQ message per upload ---
    const { jobIdFor } = (await import('../../handlers/shared/start-job'));
    const dlqKeys = new Map<string, number>();
    for (const body of dlq.bodies()) {
      const key = (JSON.parse(body) as { detail: { object: { key: string } } }).detail.object.key;
      dlqKeys.set(key, (dlqKeys.get(key) ?? 0) + 1);
    }
    let completed = 0;
    let failed = 0;
    let rejected = 0;
    let inDlq = 0;
    let lost = 0;
    const failures: Record<string, number> = {};
    const lostExamples: string[] = [];
    await mapBounded(keys, 16, async (key) => {
      const job = await readRecord(jobIdFor(LOCAL_NAMES.sourceBucket, key, clipEtag));
      observe(job);
      if (job?.status === 'FAILED') {
        const name = job.error?.name ?? 'Unknown';
        failures[name] = (failures[name] ?? 0) + 1;
      }
      if (job?.status === 'COMPLETED') completed += 1;
      else if (job?.status === 'FAILED' && job.executionArn === undefined) rejected += 1;
      else if (job?.status === 'FAILED') failed += 1;
      else if (dlqKeys.has(key)) inDlq += 1;
      else {
        lost += 1;
        if (lostExamples.length < 5) lostExamples.push(`${key}: ${job ? `${job.status}${job.executionArn ? '' : ' (no execution)'}` : 'no record'}`);
      }
    });

    // Two executions for one object version = two bills for one upload.
    const perVersion = new Map<string, number>();
    for (const info of internals.sfn.startedExecutions()) {
      const source = (info.input as WorkflowInput).source;
      const id = `${source.key}#${source.versionId ?? source.etag}`;
      perVersion.set(id, (perVersion.get(id) ?? 0) + 1);
    }
    const duplicateExecutions = [...perVersion.values()].reduce((sum, n) => sum + Math.max(0, n - 1), 0);

    count('startExecutionTokensTaken', bucket.taken);
    if (faults.has('ddb-throttle')) count('dynamoThrottled', ddbThrottle.injected);
    count('redeliveredStaleDeletes', queue.staleDeletes);
    count('movedToDlq', queue.movedToDeadLetter);
    count('consumerInvocations', mapping.invocations);
    count('consumerCrashedInvocations', mapping.failedInvocations);
    Object.assign(injected, transcoder.counts);

    const violations: string[] = [];
    if (lost > 0) violations.push(`lost ${lost} uploads (${lostExamples.join('; ')})`);
    if (duplicateExecutions > 0) violations.push(`${duplicateExecutions} duplicate executions`);
    if (regressed > 0) violations.push(`${regressed} progress regressions (${regressions.join('; ')})`);
    const accounted = completed + failed + rejected + inDlq + lost;
    if (accounted !== options.jobs) violations.push(`accounting: ${accounted} outcomes for ${options.jobs} uploads`);

    return {
      jobs: options.jobs,
      completed,
      failed,
      rejected,
      inDlq,
      lost,
      duplicateExecutions,
      regressedProgress: regressed,
      wallSeconds: round(wallMs / 1000, 2),
      jobsPerSecond: round(options.jobs / (wallMs / 1000), 2),
      peakRssMb: Math.round(peakRss / 1024 / 1024),
      failures,
      injected,
      violations,
    };
  } finally {
    clearInterval(rssTimer);
    await runtime?.close();
    if (ownState) await rm(stateDir, { recursive: true, force: true });
  }
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

async function putObject(s3: S3Client, key: string, body: Buffer): Promise<void> {
  const { PutObjectCommand } = await import('@aws-sdk/client-s3');
  await s3.send(new PutObjectCommand({ Bucket: LOCAL_NAMES.sourceBucket, Key: key, Body: body, ContentType: 'video/mp4' }));
}

/**
 * The EventBridge "Object Created" event S3 sends (keys are not form-encoded on EventBridge).
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html
 */
export function objectCreatedEvent(key: string, size: number, etag: string): Record<string, unknown> {
  return localEvent('aws.s3', 'Object Created', [`arn:aws:s3:::${LOCAL_NAMES.sourceBucket}`], {
    version: '0',
    bucket: { name: LOCAL_NAMES.sourceBucket },
    object: { key, size, etag, sequencer: randomBytes(8).toString('hex').toUpperCase() },
    'request-id': randomBytes(8).toString('hex').toUpperCase(),
    requester: LOCAL_ACCOUNT_ID,
    reason: 'PutObject',
  });
}

/** https://docs.aws.amazon.com/step-functions/latest/dg/cw-events.html ("Step Functions Execution Status Change"). */
function executionStatusEvent(executionArn: string, name: string, status: string, error?: string, cause?: string): Record<string, unknown> {
  const stateMachineArn = executionArn.replace(':execution:', ':stateMachine:').replace(/:[^:]+$/, '');
  return localEvent('aws.states', 'Step Functions Execution Status Change', [executionArn], {
    executionArn,
    stateMachineArn,
    name,
    status,
    startDate: Date.now(),
    stopDate: Date.now(),
    input: null,
    output: null,
    error: status === 'TIMED_OUT' ? 'States.Timeout' : (error ?? null),
    cause: status === 'TIMED_OUT' ? 'The execution timed out' : (cause ?? null),
  });
}

interface Template {
  readonly jobId: string;
  readonly settingsShape: string;
  readonly outcome: TranscodeOutcome;
  readonly keys: readonly string[];
  readonly outputBucket: string;
}

/**
 * The fast stand-in for MediaConvert: the first job is rendered for real (ffmpeg, the local
 * transcoder); every later job, whose settings must equal the first one's but for the job id,
 * gets a copy of those output objects under its own prefix and the same job description.
 * Progress events go to job-progress as MediaConvert would send them (reordered and late
 * under the `reorder` fault); `timeouts` makes some tasks time out and some executions hang.
 */
class TemplateTranscoder {
  private template?: Promise<Template>;
  private runtime?: LocalRuntime;
  private lateEvents: Array<() => Promise<void>> = [];
  /** Hung transcodes by job id: each settles once its execution has been stopped (release). */
  private readonly hung = new Map<string, () => void>();
  pending = 0;
  private hangs = 0;
  readonly counts: Record<string, number> = {};
  onProgressDelivered: (jobId: string) => Promise<void> = async () => {};
  onHang: (jobId: string) => void = () => {};

  constructor(
    private readonly random: () => number,
    private readonly faults: ReadonlySet<Fault>,
    private readonly rates: FaultRates,
  ) {}

  /** Settles the hung transcode of `jobId` after its execution was stopped (nothing runs after an abort). */
  release(jobId: string): void {
    this.hung.get(jobId)?.();
    this.hung.delete(jobId);
  }

  attach(runtime: LocalRuntime): void {
    this.runtime = runtime;
  }

  private count(name: string): void {
    this.counts[name] = (this.counts[name] ?? 0) + 1;
  }

  readonly run = async (request: CreateJobRequest, deps: LocalTranscoderDeps): Promise<TranscodeOutcome> => {
    const jobId = request.UserMetadata?.jobId;
    if (!jobId) throw new StatesError('States.Runtime', 'CreateJob request without UserMetadata.jobId');
    if (this.faults.has('timeouts')) {
      if (firstThenRate(this.hangs, this.rates.executionTimeout, this.random)) {
        this.hangs += 1;
        this.onHang(jobId);
        // No answer until the execution is stopped around it (release). It must settle then:
        // aws-local-stepfunctions clears an execution's TimeoutSeconds and the Task's timeout
        // timers (hours) only when the running state returns, so a task that never settles
        // keeps the process alive long after the report.
        return new Promise<never>((_, reject) => {
          this.hung.set(jobId, () => reject(new StatesError('States.Runtime', 'the execution was stopped while this task hung (injected)')));
        });
      }
      if (firstThenRate(this.counts.taskTimeouts, this.rates.taskTimeout, this.random)) {
        this.count('taskTimeouts');
        throw new StatesError('States.Timeout', 'Task timed out (injected)');
      }
    }
    this.pending += 1;
    try {
      this.template ??= this.render(request, deps);
      const template = await this.template;
      const outcome = template.jobId === jobId ? template.outcome : await this.copy(template, request, jobId);
      await this.progress(jobId, outcome.job.Id);
      return outcome;
    } finally {
      this.pending -= 1;
    }
  };

  private async render(request: CreateJobRequest, deps: LocalTranscoderDeps): Promise<Template> {
    const jobId = request.UserMetadata!.jobId;
    const outcome = await runLocalTranscode(request, deps);
    const { objects } = this.runtime!.internals;
    const outputBucket = LOCAL_NAMES.outputBucket;
    const keys = await objects.list(outputBucket, `${jobId}/`);
    return { jobId, settingsShape: settingsShape(request, jobId), outcome, keys, outputBucket };
  }

  private async copy(template: Template, request: CreateJobRequest, jobId: string): Promise<TranscodeOutcome> {
    if (settingsShape(request, jobId) !== template.settingsShape) {
      throw new StatesError('States.Runtime', `stand-in transcoder: job ${jobId}'s settings differ from the template job's (only the job id may differ)`);
    }
    const sharedClients = (await import('../../handlers/shared/clients'));
    const s3 = sharedClients.s3Client();
    await mapBounded(template.keys, 4, (key) =>
      s3.send(
        new CopyObjectCommand({
          Bucket: template.outputBucket,
          Key: `${jobId}/${key.slice(template.jobId.length + 1)}`,
          CopySource: `${template.outputBucket}/${encodeURIComponent(key).replace(/%2F/g, '/')}`,
        }),
      ),
    );
    const mediaConvertId = `${Date.now()}-${randomBytes(3).toString('hex')}`;
    const job = JSON.parse(JSON.stringify(template.outcome.job).split(template.jobId).join(jobId).split(template.outcome.job.Id).join(mediaConvertId)) as TranscodeOutcome['job'];
    return { ...template.outcome, job, ffmpegMs: 0 };
  }

  /** STATUS_UPDATE events while "transcoding"; under `reorder`, shuffled, and some held back until after the job ends. */
  private async progress(jobId: string, mediaConvertJobId: string): Promise<void> {
    const { internals } = this.runtime!;
    const send = async (percent: number) => {
      await internals.sendProgressEvent(jobId, mediaConvertJobId, {
        status: 'STATUS_UPDATE',
        framesDecoded: 0,
        jobProgress: { phaseProgress: {}, jobPercentComplete: percent, currentPhase: 'TRANSCODING', retryCount: 0 },
      });
      await this.onProgressDelivered(jobId);
    };
    let steps: number[] = [...PROGRESS_STEPS];
    if (this.faults.has('reorder')) {
      steps = shuffle(steps, this.random);
      this.count('reorderedProgress');
      if (firstThenRate(this.counts.lateProgress, this.rates.lateProgress, this.random)) {
        const held = steps.pop()!;
        this.count('lateProgress');
        this.lateEvents.push(() => send(held));
      }
    }
    for (const p of steps) await send(p);
  }

  /** Progress events that arrive after the job finished (delivered once the run is quiet). */
  async drainLateEvents(): Promise<void> {
    const events = this.lateEvents;
    this.lateEvents = [];
    await mapBounded(events, 8, (deliver) => deliver());
  }
}

/** The request with the job id (and the per-job input) factored out: equal for every job of one clip and profile. */
function settingsShape(request: CreateJobRequest, jobId: string): string {
  const settings = JSON.parse(JSON.stringify(request.Settings).split(jobId).join('<jobId>')) as { Inputs?: Array<Record<string, unknown>> };
  for (const input of settings.Inputs ?? []) delete input.FileInput;
  return JSON.stringify(settings);
}
