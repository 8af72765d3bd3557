/**
 * The fault-injection catalog (catalog.ts FAULTS), one test per row. Workflow faults run the
 * ASL with aws-local-stepfunctions through the harness, with the real handlers (helpers/real-workflow.ts
 * realWorkflow: real probe over ranged GETs of landscape.mp4, real plan, publish, archive and
 * record-failure over mocked SDK clients and one bridged job table); ingest and execution-status
 * faults call the real start-workflow and job-progress handlers. Each row asserts the attempts
 * of the faulty step, and ends with the final job record compared to the row.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ConditionalCheckFailedException, DynamoDBClient, ProvisionedThroughputExceededException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { CopyObjectCommand, HeadObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, SFNClient, SFNServiceException, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { KMSThrottlingException, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { renderWorkflowDefinition } from '../../asl/definition';
import { handler as startWorkflow } from '../../handlers/start-workflow/index';
import { handler as jobProgress } from '../../handlers/job-progress/index';
import type { JobRecord } from '../../handlers/shared/job';
import { logger } from '../../handlers/shared/logger';
import { quotaDay } from '../../handlers/shared/limits';
import { executionArnFor, jobIdFor, startJobDepsFromEnv } from '../../handlers/shared/start-job';
import { processBatch } from '../../handlers/start-workflow/process-batch';
import {
  alwaysFailing,
  executionArnOf,
  failingTimes,
  hangingTimes,
  InMemoryJobTable,
  lambdaError,
  mediaConvertJobFailed,
  queuedRecord,
  runWorkflow,
  serviceError,
  STATE_MACHINE_ARN,
  TEST_JOB_ID,
  TEST_SUBSTITUTIONS,
  workflowInput,
  type ExecutionRecord,
  type RunWorkflowOptions,
  type TaskHandler,
  type World,
} from '../helpers/asl-harness';
import { objectCreatedEvent, sqsEvent, sqsRecord } from '../fixtures/events';
import { FAULTS, type FaultCase } from './catalog';
import { FakeLimitsTables, limitsEnv } from '../helpers/jobs-table';
import { bridgeJobTable, healthyServices, HANDLER_ENV, MEDIA_DIR, realWorkflow, runWithSourceOverwrite, serveSource, SOURCE_BUCKET, VERSION_1, VERSION_2, type Captured } from '../helpers/real-workflow';
import { md5, VersionedS3 } from '../fixtures/s3';
import { parseS3Uri } from '../../handlers/shared/s3-uri';

const s3 = mockClient(S3Client);
const sfn = mockClient(SFNClient);
const ddb = mockClient(DynamoDBDocumentClient);
const sns = mockClient(SNSClient);

const SUCCESS_PATH = ['RecordStart', 'ExtractMetadata', 'PlanTranscode', 'PinSource', 'Transcode', 'QualityControl', 'Quality passed?', 'Publish', 'ArchiveSource', 'Done'];
const FAILURE_TAIL = ['RecordFailure', 'NotifyFailure', 'WorkflowFailed'];

/** The final state of the job a fault left behind, compared with the row. */
interface Observed {
  readonly status: string;
  readonly error: string;
  readonly sink: string;
}

let warnLog: jest.SpyInstance;

beforeAll(() => {
  Object.assign(process.env, HANDLER_ENV);
  logger.setLogLevel('SILENT');
});

beforeEach(() => {
  s3.reset();
  sfn.reset();
  ddb.reset();
  sns.reset();
  healthyServices(s3, sns);
  warnLog = jest.spyOn(logger, 'warn');
});

afterEach(() => {
  jest.restoreAllMocks();
  jest.useRealTimers();
});

/** FAILED -> failed-record with its error; COMPLETED -> processed, or processed-with-warning with the first warning. */
function observe(record: JobRecord | undefined): Observed {
  if (record === undefined) return { status: 'missing', error: 'no job record', sink: 'nowhere' };
  if (record.status === 'FAILED') return { status: 'FAILED', error: record.error?.name ?? 'FAILED without error', sink: 'failed-record' };
  if (record.status === 'COMPLETED') {
    const warning = record.warnings?.[0];
    return warning === undefined ? { status: 'COMPLETED', error: 'none', sink: 'processed' } : { status: 'COMPLETED', error: warning, sink: 'processed-with-warning' };
  }
  return { status: record.status, error: record.error?.name ?? 'none', sink: 'nowhere' };
}

interface FaultRun {
  /** Per-state wrappers around the real Lambda handlers. */
  readonly lambdaFaults?: Readonly<Record<string, (real: TaskHandler) => TaskHandler>>;
  /** Per-state replacements of the integration tasks, given the run's world and the real Transcode stand-in. */
  readonly taskFaults?: (world: () => World, transcode: TaskHandler) => Record<string, TaskHandler>;
  readonly source?: string;
  readonly s3Faults?: readonly Error[];
  readonly seed?: (input: ReturnType<typeof workflowInput>) => JobRecord;
  readonly beforeWrite?: Parameters<typeof bridgeJobTable>[2];
  readonly definition?: RunWorkflowOptions['definition'];
}

/** One execution of the real workflow on a fixture, with the faults injected. */
function runWithFaults(fault: FaultRun = {}): Promise<ExecutionRecord> {
  const { size } = serveSource(s3, path.join(MEDIA_DIR, fault.source ?? 'landscape.mp4'), fault.s3Faults);
  const input = workflowInput({ source: { ...workflowInput().source, size } });
  const captured: Captured = { transcodeRequests: [] };
  const wiring = realWorkflow(ddb, captured);
  let world: World | undefined;
  const currentWorld = () => world!;
  return runWorkflow({
    input,
    seed: fault.seed?.(input) ?? queuedRecord(input),
    ...(fault.definition ? { definition: fault.definition } : {}),
    prepare: (w) => (world = w),
    lambdas: (w) => {
      const real = wiring.lambdas(w);
      if (fault.beforeWrite) bridgeJobTable(ddb, w.table, fault.beforeWrite);
      for (const [state, wrap] of Object.entries(fault.lambdaFaults ?? {})) real[state] = wrap(real[state]);
      return real;
    },
    tasks: { Transcode: wiring.transcode, ...fault.taskFaults?.(currentWorld, wiring.transcode) },
  });
}

const slowDown = () => new S3ServiceException({ name: 'SlowDown', $fault: 'server', message: 'Please reduce your request rate.', $metadata: { httpStatusCode: 503 } });
const throttledWrite = () => new ProvisionedThroughputExceededException({ message: 'Throughput exceeds the current capacity', $metadata: { httpStatusCode: 400 } });

function expectFailureNotification(run: ExecutionRecord, error: string): void {
  expect(run.world.notifications.sent).toEqual([
    expect.objectContaining({
      topicArn: TEST_SUBSTITUTIONS.NotificationTopicArn,
      sender: 'NotifyFailure',
      body: expect.objectContaining({ event: 'JOB_FAILED', jobId: TEST_JOB_ID, job: { jobId: TEST_JOB_ID, status: 'FAILED', error: { name: error } }, operator: expect.objectContaining({ error: expect.objectContaining({ Error: error }) }) }),
    }),
  ]);
}

function expectCompleted(run: ExecutionRecord): void {
  expect(run.status).toBe('SUCCEEDED');
  expect(run.states).toEqual(SUCCESS_PATH);
  expect(run.record).toMatchObject({ status: 'COMPLETED', executionArn: executionArnOf(TEST_JOB_ID), outputs: { mp4: [expect.stringMatching(/\.mp4$/)] } });
  expect(sns).toHaveReceivedCommandWith(PublishCommand, { TopicArn: TEST_SUBSTITUTIONS.NotificationTopicArn, Message: expect.stringContaining('"event":"JOB_COMPLETED"') });
}

const runners: Record<string, () => Promise<Observed>> = {
  'lambda-throttled-recovers': async () => {
    const run = await runWithFaults({ lambdaFaults: { ExtractMetadata: (real) => failingTimes(2, () => lambdaError('Lambda.TooManyRequestsException', 'Rate exceeded'), real) } });
    expect(run.attempts.ExtractMetadata).toBe(3);
    expect(run.retries).toEqual([1, 2].map((attempt) => ({ state: 'ExtractMetadata', attempt, error: 'Lambda.TooManyRequestsException' })));
    expectCompleted(run);
    return observe(run.record);
  },
  'lambda-timeout-recovers': async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const pending = runWithFaults({ lambdaFaults: { PlanTranscode: (real) => hangingTimes(1, real) } });
    await jest.advanceTimersByTimeAsync(59_000);
    await jest.advanceTimersByTimeAsync(1_000); // PlanTranscode's TimeoutSeconds is 60
    const run = await pending;
    expect(run.attempts.PlanTranscode).toBe(2);
    expect(run.retries).toEqual([{ state: 'PlanTranscode', attempt: 1, error: 'States.Timeout' }]);
    expectCompleted(run);
    return observe(run.record);
  },
  's3-slowdown-recovers': async () => {
    const run = await runWithFaults({ s3Faults: [slowDown()] });
    expect(run.attempts.ExtractMetadata).toBe(2);
    expect(run.retries).toEqual([{ state: 'ExtractMetadata', attempt: 1, error: 'SlowDown' }]);
    expectCompleted(run);
    return observe(run.record);
  },
  'lambda-retries-exhausted': async () => {
    const run = await runWithFaults({ lambdaFaults: { PlanTranscode: () => alwaysFailing(() => lambdaError('Lambda.ServiceException', 'Lambda is unavailable')) } });
    expect(run.attempts.PlanTranscode).toBe(4);
    expect(run.retries).toHaveLength(3);
    expect(run.attempts.Transcode).toBeUndefined();
    expect(run.states).toEqual(['RecordStart', 'ExtractMetadata', 'PlanTranscode', ...FAILURE_TAIL]);
    expect(run.record?.error).toEqual({ name: 'Lambda.ServiceException', cause: 'Lambda is unavailable' });
    expectFailureNotification(run, 'Lambda.ServiceException');
    return observe(run.record);
  },
  'dynamodb-throttled-recovers': async () => {
    const run = await runWithFaults({
      taskFaults: (world) => ({
        RecordStart: failingTimes(2, () => serviceError('DynamoDB.ThrottlingException', 'Rate of requests exceeds the allowed throughput'), (params) => world().table.updateItem(params, 'RecordStart')),
      }),
    });
    expect(run.attempts.RecordStart).toBe(3);
    expect(run.retries.map((r) => r.error)).toEqual(['DynamoDB.ThrottlingException', 'DynamoDB.ThrottlingException']);
    expectCompleted(run);
    return observe(run.record);
  },
  'mediaconvert-throttled-recovers': async () => {
    const run = await runWithFaults({ taskFaults: (_world, transcode) => ({ Transcode: failingTimes(1, () => serviceError('MediaConvert.TooManyRequestsException', 'Too many requests'), transcode) }) });
    expect(run.attempts.Transcode).toBe(2);
    expect(run.retries).toEqual([{ state: 'Transcode', attempt: 1, error: 'MediaConvert.TooManyRequestsException' }]);
    expectCompleted(run);
    return observe(run.record);
  },
  'mediaconvert-job-error': async () => {
    const message = 'Unable to open input file [s3://video-workflow-test-source/uploads/landscape.mp4]';
    const run = await runWithFaults({ taskFaults: () => ({ Transcode: alwaysFailing(() => mediaConvertJobFailed(1010, message)) }) });
    expect(run.attempts.Transcode).toBe(1);
    expect(run.retries).toEqual([]);
    expect(run.states).toEqual([...SUCCESS_PATH.slice(0, 5), ...FAILURE_TAIL]);
    expect(run.record).toMatchObject({
      error: { name: 'MediaConvertJobFailed', cause: `MediaConvert error 1010: ${message}` },
      mediaConvertError: { code: 1010, message, mediaConvertJobId: '1732870000000-err001' },
    });
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      ExpressionAttributeValues: expect.objectContaining({ ':to': 'FAILED', ':f_mediaConvertError': expect.objectContaining({ code: 1010 }) }),
    });
    expectFailureNotification(run, 'MediaConvertJobFailed');
    return observe(run.record);
  },
  'stale-status-conditional-check': async () => {
    const finished = (input: ReturnType<typeof workflowInput>): JobRecord => ({
      ...queuedRecord(input),
      status: 'COMPLETED',
      finishedAt: '2026-11-29T09:59:00.000Z',
      outputs: { mp4: ['s3://video-workflow-test-output/0123/mp4/video_180p.mp4'], thumbnails: [] },
    });
    const run = await runWithFaults({ seed: finished });
    expect(run.attempts.RecordStart).toBe(1);
    expect(run.retries).toEqual([]);
    expect(run.states).toEqual(['RecordStart', 'JobNotQueued']);
    expect(run.attempts.ExtractMetadata).toBeUndefined();
    expect(run.record).toEqual(finished(workflowInput({ source: { ...workflowInput().source, size: run.record!.source.size } })));
    // A job that succeeded is not reported as failed: no RecordFailure, no notification.
    expect(run.attempts.RecordFailure).toBeUndefined();
    expect(run.world.notifications.sent).toEqual([]);
    expect(run.status).toBe('FAILED');
    return { status: run.record!.status, error: run.error!.Error, sink: 'ignored-logged' };
  },
  'sns-fails-on-success': async () => {
    sns.on(PublishCommand).rejects(new KMSThrottlingException({ message: 'KMS throttled', $metadata: { httpStatusCode: 400 } }));
    const run = await runWithFaults();
    expect(run.status).toBe('SUCCEEDED');
    expect(run.states).toEqual(SUCCESS_PATH);
    expect(run.attempts.Publish).toBe(1);
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(run.output).toMatchObject({ publish: { notified: false } });
    expect(run.record).toMatchObject({ status: 'COMPLETED', outputs: { mp4: [expect.stringMatching(/\.mp4$/)] } });
    expect(s3).toHaveReceivedCommand(CopyObjectCommand); // archiving still ran
    return observe(run.record);
  },
  'archive-fails-after-publish': async () => {
    // Archive keys carry the job id; the pinned transcode input (work/<jobId>/) copies fine.
    const archiveKey = `${workflowInput().jobId}/${workflowInput().source.key}`;
    s3.on(CopyObjectCommand, { Key: archiveKey }).rejects(new S3ServiceException({ name: 'AccessDenied', $fault: 'client', message: 'Access Denied', $metadata: { httpStatusCode: 403 } }));
    const run = await runWithFaults();
    expect(run.status).toBe('SUCCEEDED');
    expect(run.states).toEqual([...SUCCESS_PATH.slice(0, -1), 'RecordArchiveWarning', 'Done']);
    expect(run.attempts.ArchiveSource).toBe(1);
    expect(s3).toHaveReceivedCommandTimes(CopyObjectCommand, 2);
    expect(s3).toHaveReceivedCommandWith(CopyObjectCommand, { Key: archiveKey });
    expect(s3).toHaveReceivedCommandWith(HeadObjectCommand, { Bucket: HANDLER_ENV.ARCHIVE_BUCKET, Key: archiveKey });
    expect(run.record).toMatchObject({ status: 'COMPLETED', warnings: ['ArchiveSource failed: ArchiveFailed'] });
    return observe(run.record);
  },
  'record-failure-throttled': async () => {
    let updates = 0;
    const run = await runWithFaults({
      source: 'not-media.mp4',
      beforeWrite: (command) => {
        if (command === 'Update' && ++updates === 1) throw throttledWrite();
      },
    });
    expect(run.attempts.ExtractMetadata).toBe(1);
    expect(run.attempts.RecordFailure).toBe(2);
    expect(run.retries).toEqual([{ state: 'RecordFailure', attempt: 1, error: 'ProvisionedThroughputExceededException' }]);
    expect(run.error).toEqual({ Error: 'UnsupportedMedia', Cause: expect.stringContaining('not a recognised media container') });
    expectFailureNotification(run, 'UnsupportedMedia');
    return observe(run.record);
  },
  'failure-notification-fails': async () => {
    const run = await runWithFaults({
      source: 'not-media.mp4',
      taskFaults: () => ({ NotifyFailure: alwaysFailing(() => serviceError('SNS.InternalErrorException', 'Internal error')) }),
    });
    expect(run.attempts.NotifyFailure).toBe(5);
    expect(run.status).toBe('FAILED');
    expect(run.error).toEqual({ Error: 'UnsupportedMedia', Cause: expect.any(String) });
    expect(run.world.notifications.sent).toEqual([]);
    return observe(run.record);
  },
  'execution-timed-out': async () => {
    // Prepare: a 10-minute execution timeout while MediaConvert never finishes (its task timeout is 4 h)
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const definition = renderWorkflowDefinition({ ...TEST_SUBSTITUTIONS, WorkflowTimeoutSeconds: 600 });
    const transcode = hangingTimes(99, () => null);
    const pending = runWithFaults({ definition, taskFaults: () => ({ Transcode: transcode }) });
    // The steps before Transcode do real (un-faked) I/O: let them reach the hanging Transcode
    // before the clock jumps, or the timeout would land earlier on a busy machine.
    for (let spins = 0; transcode.calls() === 0 && spins < 100_000; spins++) await new Promise((resolve) => setImmediate(resolve));
    await jest.advanceTimersByTimeAsync(600_000);
    const run = await pending;
    jest.useRealTimers();
    expect(run.status).toBe('TIMED_OUT');
    expect(run.attempts.Transcode).toBe(1);
    expect(run.states).not.toContain('RecordFailure'); // no Catch runs on an execution timeout
    expect(run.record?.status).toBe('PROCESSING');

    // Act: the EventBridge rule delivers the execution's TIMED_OUT status to job-progress (twice: at-least-once)
    bridgeJobTable(ddb, run.world.table);
    const event = {
      version: '0',
      id: '315c1398-40ff-a850-213b-158f73e60175',
      'detail-type': 'Step Functions Execution Status Change',
      source: 'aws.states',
      account: '123456789012',
      time: '2026-11-29T10:10:01Z',
      region: 'eu-west-1',
      resources: [executionArnOf(TEST_JOB_ID)],
      detail: { executionArn: executionArnOf(TEST_JOB_ID), stateMachineArn: STATE_MACHINE_ARN, name: TEST_JOB_ID, status: 'TIMED_OUT', error: null, cause: null },
    };
    // job-progress believes the event only once Step Functions confirms the execution TIMED_OUT.
    sfn.on(DescribeExecutionCommand, { executionArn: executionArnOf(TEST_JOB_ID) }).resolves({ executionArn: executionArnOf(TEST_JOB_ID), status: 'TIMED_OUT' });
    const first = await jobProgress(event);
    const afterFirst = run.world.table.get(TEST_JOB_ID);
    const second = await jobProgress(event);

    // Assess
    expect(first).toEqual({ ignored: false, error: 'States.Timeout', recorded: true, notified: true });
    expect(second).toEqual({ ignored: false, error: 'States.Timeout', recorded: false, notified: false });
    expect(ddb).toHaveReceivedCommandTimes(UpdateCommand, 2);
    expect(run.world.table.get(TEST_JOB_ID)).toEqual(afterFirst);
    const record = run.world.table.get(TEST_JOB_ID);
    expect(record?.error).toEqual({ name: 'States.Timeout', cause: 'The workflow execution exceeded its TimeoutSeconds' });
    return observe(record);
  },
  'ingest-dynamodb-throttled': async () => {
    const table = new InMemoryJobTable();
    let puts = 0;
    bridgeJobTable(ddb, table, (command) => {
      if (command === 'Put' && ++puts === 1) throw throttledWrite();
    });
    const executions = fakeStartExecution(0);
    const { first, second, jobId } = await deliverTwice();
    expect(first).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-1' }] });
    expect(second).toEqual({ batchItemFailures: [] });
    expect(ddb).toHaveReceivedCommandTimes(PutCommand, 2);
    expect(executions.calls()).toBe(1);
    return ingestObserved(table.get(jobId), executions.started, 'ProvisionedThroughputExceededException');
  },
  'ingest-guarded-create-conflict': async () => {
    const table = new InMemoryJobTable();
    const limits = new FakeLimitsTables();
    let transactions = 0;
    bridgeJobTable(ddb, table, (command) => {
      if (command === 'TransactWrite' && ++transactions === 1) {
        throw new TransactionCanceledException({
          message: 'Transaction cancelled, please refer cancellation reasons for specific reasons [None, TransactionConflict, None]',
          $metadata: { httpStatusCode: 400 },
          CancellationReasons: [{ Code: 'None' }, { Code: 'TransactionConflict' }, { Code: 'None' }],
        });
      }
    }, limits);
    const executions = fakeStartExecution(0);
    // start-job as deployed: the job's put, the owner's counter and the run lock in one transaction.
    const deps = { ...startJobDepsFromEnv({ ...HANDLER_ENV, ...limitsEnv(10) }), sourceBucket: SOURCE_BUCKET, log: logger };
    const { first, second, jobId } = await deliverTwice((event) => processBatch(event.Records, deps));
    expect(first).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-1' }] });
    expect(second).toEqual({ batchItemFailures: [] });
    expect(transactions).toBe(2);
    expect(limits.count('system', quotaDay(new Date()))).toBe(1);
    expect(executions.calls()).toBe(1);
    return ingestObserved(table.get(jobId), executions.started, 'TransactionCanceledException');
  },
  'source-overwritten-before-transcode': async () => {
    const store = new VersionedS3();
    const { run, transcodedBytes } = await runWithSourceOverwrite(ddb, s3, store, { between: () => store.put(SOURCE_BUCKET, 'uploads/landscape.mp4', VERSION_2) });
    expect(run.status).toBe('SUCCEEDED');
    expect(run.attempts.PinSource).toBe(1);
    expect(md5(transcodedBytes!)).toBe(md5(VERSION_1));
    return { status: 'COMPLETED', error: 'none', sink: run.output && (run.output as { qc: { passed: boolean } }).qc.passed ? 'processed' : 'nowhere' };
  },
  'pinned-copy-replaced-during-transcode': async () => {
    const store = new VersionedS3();
    const { run } = await runWithSourceOverwrite(ddb, s3, store, {
      duringTranscode: (fileInput) => {
        const { bucket, key } = parseS3Uri(fileInput);
        store.put(bucket, key, VERSION_2);
      },
    });
    expect(run.states).toContain('QualityCheckFailed');
    expect(run.states).not.toContain('Publish');
    expect(run.error).toMatchObject({ Error: 'QualityCheckFailed', Cause: expect.stringContaining('Transcode input differs from the probed source') });
    return { status: 'FAILED', error: run.error!.Error, sink: run.status === 'FAILED' ? 'failed-record' : 'nowhere' };
  },
  'ingest-start-execution-throttled': async () => {
    const table = new InMemoryJobTable();
    bridgeJobTable(ddb, table);
    const executions = fakeStartExecution(1);
    const { first, second, jobId } = await deliverTwice();
    expect(first).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-1' }] });
    expect(table.get(jobId)).toMatchObject({ status: 'QUEUED' });
    expect(second).toEqual({ batchItemFailures: [] });
    expect(executions.calls()).toBe(2);
    expect(executions.started).toEqual([jobId]);
    expect(warnLog).toHaveBeenCalledWith('Job queued without execution, starting it', expect.objectContaining({ jobId }));
    return ingestObserved(table.get(jobId), executions.started, 'ThrottlingException');
  },
};

/** StartExecution answering ThrottlingException `failures` times, then starting (once per name). */
function fakeStartExecution(failures: number): { calls: () => number; started: string[] } {
  let calls = 0;
  const started: string[] = [];
  sfn.on(StartExecutionCommand).callsFake(async (input: StartExecutionCommand['input']) => {
    calls += 1;
    if (calls <= failures) {
      throw new SFNServiceException({ name: 'ThrottlingException', $fault: 'client', message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } });
    }
    if (!started.includes(input.name!)) started.push(input.name!);
    return { executionArn: executionArnFor(input.stateMachineArn!, input.name!), startDate: new Date() };
  });
  return { calls: () => calls, started };
}

/** One Object Created event, delivered, handed back, and redelivered by SQS. */
async function deliverTwice(deliver: (event: ReturnType<typeof sqsEvent>) => Promise<unknown> = startWorkflow) {
  s3.on(HeadObjectCommand, { Bucket: SOURCE_BUCKET }).resolves({ ContentLength: 29_107, ETag: '"9b2cf535f27731c974343645a3985328"', VersionId: 'v1' });
  const body = JSON.stringify(objectCreatedEvent({ key: 'uploads/clip.mp4', etag: '9b2cf535f27731c974343645a3985328', 'version-id': 'v1' }, SOURCE_BUCKET));
  const first = await deliver(sqsEvent(sqsRecord(body, 'm-1')));
  const redelivery = sqsRecord(body, 'm-1');
  redelivery.attributes.ApproximateReceiveCount = '2';
  const second = await deliver(sqsEvent(redelivery));
  return { first, second, jobId: jobIdFor(SOURCE_BUCKET, 'uploads/clip.mp4', 'v1') };
}

/** The first receive was handed back to SQS with the fault logged; the redelivery left a QUEUED job with its one execution. */
function ingestObserved(record: JobRecord | undefined, started: readonly string[], fault: string): Observed {
  const retried = warnLog.mock.calls.find(([message]) => message === 'Start failed, will retry');
  expect(retried?.[1]).toMatchObject({ messageId: 'm-1', error: fault });
  expect(record).toMatchObject({ status: 'QUEUED', executionArn: executionArnFor(STATE_MACHINE_ARN, record!.jobId) });
  expect(started).toEqual([record!.jobId]);
  return { status: record!.status, error: (retried?.[1] as { error: string }).error, sink: 'batch-item-failure' };
}

describe('fault-injection catalog', () => {
  it('has a runner for every row and a row for every runner, with unique ids', () => {
    const ids = FAULTS.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(Object.keys(runners).sort()).toEqual([...ids].sort());
    // SECURITY.md "Bad inputs and faults" lists every row
    const security = readFileSync(path.join(__dirname, '../../SECURITY.md'), 'utf8');
    expect(ids.filter((id) => !security.includes(`| \`${id}\` |`))).toEqual([]);
  });

  it('the bridged table answers a stale transition with the SDK ConditionalCheckFailedException, as DynamoDB would', async () => {
    // Prepare
    const table = new InMemoryJobTable();
    table.seed({ ...queuedRecord(), status: 'COMPLETED' });
    bridgeJobTable(ddb, table);
    const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
    // Act
    const attempt = client.send(
      new UpdateCommand({ TableName: 't', Key: { jobId: TEST_JOB_ID }, UpdateExpression: 'SET #status = :to', ExpressionAttributeValues: { ':to': 'FAILED', ':updatedAt': 'now' } }),
    );
    // Assess
    await expect(attempt).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    expect(table.get(TEST_JOB_ID)?.status).toBe('COMPLETED');
  });

  it.each(FAULTS.map((c) => [c.id, c] as const))('%s: final job record and attempts as catalogued', async (_id, c: FaultCase) => {
    // Prepare + Act: the row's runner injects the fault and runs the real handlers / the ASL
    const observed = await runners[c.id]();
    // Assess: the final job status, the recorded error or warning, and where it is recorded
    expect(observed).toEqual({ status: c.expectedStatus, error: c.expectedError, sink: c.recordedIn });
  });
});

