/**
 * The bad-input catalog (catalog.ts BAD_INPUTS), one test per row, each through the REAL
 * handler over mocked AWS SDK clients: start-workflow for S3 events (and, when it starts the
 * job, the ASL with the real extract-metadata / plan-transcode / publish / archive-source /
 * record-failure handlers, real media read through ranged GETs), the HTTP API handlers, and
 * job-progress for EventBridge events.
 *
 * Every runner returns what it OBSERVED at the sink (the job record, the HTTP response, the
 * batch response, the ignore result and its log line), and the row's final assertion is that the
 * observation is exactly the declared `recordedIn` and error: no exception escapes, and no event
 * ends nowhere.
 */
import { HeadObjectCommand, NotFound, S3Client, S3ServiceException, GetObjectCommand } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { SNSClient, PublishCommand } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2, SQSBatchResponse } from 'aws-lambda';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as startWorkflow } from '../../handlers/start-workflow/index';
import { unconfirmedRejectionIdFor } from '../../handlers/start-workflow/process-batch';
import { handler as createJob } from '../../handlers/create-job/index';
import { handler as listJobs } from '../../handlers/list-jobs/index';
import { handler as getJob } from '../../handlers/get-job/index';
import { handler as createUpload } from '../../handlers/create-upload/index';
import { handler as jobProgress } from '../../handlers/job-progress/index';
import { createJob as createJobCore } from '../../handlers/create-job/create-job';
import { processBatch } from '../../handlers/start-workflow/process-batch';
import { accessConfigFromEnv } from '../../handlers/shared/caller';
import { apiHandler } from '../../handlers/shared/http';
import { quotaDay } from '../../handlers/shared/limits';
import { ownerIdOf } from '../../handlers/shared/owner';
import { startJob, startJobDepsFromEnv } from '../../handlers/shared/start-job';
import type { JobRecord, WorkflowInput } from '../../handlers/shared/job';
import { logger } from '../../handlers/shared/logger';
import { keyCandidates } from '../../handlers/shared/s3-key';
import { jobIdFor } from '../../handlers/shared/start-job';
import { INGEST_MAX_RECEIVE_COUNT } from '../../stacks/ingest';
import { InMemoryJobTable, queuedRecord, runWorkflow, workflowInput, type ExecutionRecord } from '../helpers/asl-harness';
import { getJobEvent, ISSUER, jwtCaller, listJobsEvent, postJobs, postUploads } from '../fixtures/api-events';
import { mediaConvertEvent, objectCreatedEvent, sqsEvent, sqsRecord } from '../fixtures/events';
import { FakeStateMachine } from '../api/fake-aws';
import { FakeJobsTable, FakeLimitsTables, limitsEnv } from '../helpers/jobs-table';
import { BAD_INPUTS, type BadInputCase, type Sink } from './catalog';
import {
  bridgeJobTable,
  healthyServices,
  HANDLER_ENV,
  MEDIA_DIR,
  realWorkflow,
  serveSource,
  SOURCE_BUCKET,
  type Captured,
} from '../helpers/real-workflow';

const RELIABILITY_MEDIA_DIR = path.join(__dirname, 'media');
const s3 = mockClient(S3Client);
const sfn = mockClient(SFNClient);
const ddb = mockClient(DynamoDBDocumentClient);
const sns = mockClient(SNSClient);

const ETAG = '9b2cf535f27731c974343645a3985328';
const VERSION = 'v1';

/** What a runner saw at the sink; `sink: 'nowhere'` fails the row's final assertion. */
interface Observed {
  readonly sink: Sink | 'nowhere';
  readonly error: string;
}

let errorLog: jest.SpyInstance;
let warnLog: jest.SpyInstance;
let infoLog: jest.SpyInstance;
let machine: FakeStateMachine;

beforeAll(() => {
  Object.assign(process.env, HANDLER_ENV);
  logger.setLogLevel('SILENT');
});

beforeEach(() => {
  s3.reset();
  sfn.reset();
  ddb.reset();
  sns.reset();
  machine = new FakeStateMachine(sfn);
  healthyServices(s3, sns);
  errorLog = jest.spyOn(logger, 'error');
  warnLog = jest.spyOn(logger, 'warn');
  infoLog = jest.spyOn(logger, 'info');
});

afterEach(() => {
  jest.restoreAllMocks();
  delete process.env.MAX_DURATION_SECONDS;
});

// ---------------------------------------------------------------------------------------------
// Observations
// ---------------------------------------------------------------------------------------------

function fromRecord(record: JobRecord | undefined): Observed {
  if (record === undefined) return { sink: 'nowhere', error: 'no job record' };
  if (record.status === 'FAILED') return { sink: 'failed-record', error: record.error?.name ?? 'FAILED without error' };
  if (record.status === 'COMPLETED') return { sink: 'processed', error: 'none' };
  if (record.status === 'QUEUED' && record.executionArn !== undefined && machine.executions.has(record.jobId)) return { sink: 'processed', error: 'none' };
  return { sink: 'nowhere', error: `record left ${record.status}` };
}

function fromHttp(res: APIGatewayProxyStructuredResultV2): Observed {
  const status = res.statusCode ?? 0;
  const body = JSON.parse(res.body as string) as { error?: { code: string } };
  if (status >= 400 && status < 500) return { sink: 'http-4xx', error: body.error?.code ?? 'no error code' };
  if (status >= 200 && status < 300) return { sink: 'processed', error: 'none' };
  return { sink: 'nowhere', error: `HTTP ${status}` };
}

/** A reported message is only "recorded" when its id and error name were logged too. */
function fromBatch(res: SQSBatchResponse, messageId: string): Observed {
  if (!res.batchItemFailures.some((f) => f.itemIdentifier === messageId)) return { sink: 'nowhere', error: 'message acknowledged' };
  const logged = errorLog.mock.calls.find(([, fields]) => (fields as { messageId?: string } | undefined)?.messageId === messageId);
  return { sink: 'batch-item-failure', error: (logged?.[1] as { error?: string } | undefined)?.error ?? 'not logged' };
}

function fromIgnored(result: unknown): Observed {
  const r = result as { ignored?: boolean; reason?: string };
  const logged = infoLog.mock.calls.some(([message, fields]) => /ignored$/.test(String(message)) && (fields as { reason?: string })?.reason === r.reason);
  if (r.ignored !== true || !logged) return { sink: 'nowhere', error: `not ignored-and-logged: ${JSON.stringify(result)}` };
  expect(ddb.calls()).toHaveLength(0);
  return { sink: 'ignored-logged', error: 'none' };
}

// ---------------------------------------------------------------------------------------------
// The S3 path
// ---------------------------------------------------------------------------------------------

const messageBody = (object: Parameters<typeof objectCreatedEvent>[0], bucket = SOURCE_BUCKET) => JSON.stringify(objectCreatedEvent(object, bucket));

interface Ingested {
  readonly table: InMemoryJobTable;
  readonly response: SQSBatchResponse;
  readonly jobId: string;
}

/**
 * One Object Created event through start-workflow. HeadObject answers for `headKey` only (404
 * for any other key), with `size` bytes and the event's ETag, so a wrongly decoded key is a
 * visible ObjectNotFound rather than a silent success.
 */
async function ingest(rawKey: string, options: { headKey?: string; size?: number; etag?: string; forgedEtag?: string } = {}): Promise<Ingested> {
  const table = new InMemoryJobTable();
  bridgeJobTable(ddb, table);
  const headKey = options.headKey ?? rawKey;
  s3.on(HeadObjectCommand, { Bucket: SOURCE_BUCKET }).rejects(new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } }));
  s3.on(HeadObjectCommand, { Bucket: SOURCE_BUCKET, Key: headKey }).resolves({
    ContentLength: options.size ?? 1_048_576,
    ETag: `"${options.etag ?? ETAG}"`,
    VersionId: VERSION,
  });
  const response = await startWorkflow(sqsEvent(sqsRecord(messageBody({ key: rawKey, etag: options.forgedEtag ?? ETAG, 'version-id': VERSION, size: options.size }), 'm-1')));
  // A rejected source gets the job id a started one would have had (the key as decoded).
  return { table, response, jobId: jobIdFor(SOURCE_BUCKET, keyCandidates(rawKey)[0], VERSION) };
}

/** Ingest a media file and, when start-workflow started it, run the execution it started. */
async function ingestAndRun(file: string, key: string, captured: Captured = { transcodeRequests: [] }): Promise<{ run?: ExecutionRecord; ingested: Ingested }> {
  const { size } = serveSource(s3, file);
  const ingested = await ingest(key, { size });
  expect(ingested.response).toEqual({ batchItemFailures: [] });
  const started = machine.executions.get(ingested.jobId);
  if (started === undefined) return { ingested };
  const input = JSON.parse(started) as WorkflowInput;
  const wiring = realWorkflow(ddb, captured);
  const run = await runWorkflow({ input, seed: ingested.table.get(input.jobId)!, lambdas: wiring.lambdas, tasks: { Transcode: wiring.transcode } });
  return { run, ingested };
}

const media = (name: string) => path.join(MEDIA_DIR, name);

/** A file rejected by the real probe: one ExtractMetadata attempt, then the failure path. */
async function rejectedByProbe(file: string, reason: RegExp): Promise<Observed> {
  const { run } = await ingestAndRun(media(file), `uploads/${path.basename(file, path.extname(file))}.mp4`);
  expect(run?.states).toEqual(['RecordStart', 'ExtractMetadata', 'RecordFailure', 'NotifyFailure', 'WorkflowFailed']);
  expect(run?.attempts.ExtractMetadata).toBe(1);
  expect(run?.record?.error?.cause).toMatch(reason);
  expect(run?.world.notifications.sent).toEqual([expect.objectContaining({ body: expect.objectContaining({ event: 'JOB_FAILED' }) })]);
  return fromRecord(run?.record);
}

/** A source the workflow completes: COMPLETED record, the plan kept for the row's checks. */
async function completed(file: string, key: string): Promise<{ observed: Observed; captured: Required<Captured> }> {
  const captured: Captured = { transcodeRequests: [] };
  const { run } = await ingestAndRun(file, key, captured);
  expect(run?.status).toBe('SUCCEEDED');
  expect(run?.record).toMatchObject({ status: 'COMPLETED', source: { key } });
  expect(sns).toHaveReceivedCommandWith(PublishCommand, { Message: expect.stringContaining('"event":"JOB_COMPLETED"') });
  return { observed: fromRecord(run?.record), captured: captured as Required<Captured> };
}

/** Rejected by start-workflow itself: a FAILED record and no execution. */
async function rejectedAtStart(
  rawKey: string,
  options: { headKey?: string; size?: number; etag?: string; forgedEtag?: string; expectHead: boolean; unconfirmed?: boolean },
): Promise<Observed> {
  const ingested = await ingest(rawKey, options);
  const { table, response } = ingested;
  // What HeadObject did not confirm (ObjectNotFound) is recorded under a rejection-specific id,
  // never under the id the genuine upload's job has (SECURITY.md "Ingest").
  const jobId = options.unconfirmed
    ? unconfirmedRejectionIdFor({ bucket: SOURCE_BUCKET, versionId: VERSION, etag: options.forgedEtag ?? ETAG }, keyCandidates(rawKey)[0])
    : ingested.jobId;
  if (options.unconfirmed) expect(table.get(ingested.jobId)).toBeUndefined();
  expect(response).toEqual({ batchItemFailures: [] });
  expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
  if (options.expectHead) expect(s3).toHaveReceivedCommand(HeadObjectCommand);
  else expect(s3).not.toHaveReceivedCommand(HeadObjectCommand);
  expect(warnLog).toHaveBeenCalledWith('Source rejected', expect.objectContaining({ messageId: 'm-1', jobId }));
  return fromRecord(table.get(jobId));
}

/** Started by start-workflow: HeadObject on the decoded key, a QUEUED record for it, one execution. */
async function startedFor(rawKey: string, decodedKey: string): Promise<Observed> {
  const { table, response, jobId } = await ingest(rawKey, { headKey: decodedKey });
  expect(response).toEqual({ batchItemFailures: [] });
  expect(s3).toHaveReceivedCommandWith(HeadObjectCommand, { Bucket: SOURCE_BUCKET, Key: decodedKey, VersionId: VERSION });
  expect(table.get(jobId)?.source.key).toBe(decodedKey);
  expect(sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
  expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, { name: jobId, input: expect.stringContaining(JSON.stringify(decodedKey)) });
  return fromRecord(table.get(jobId));
}

const keyOfBytes = (bytes: number) => `uploads/${'k'.repeat(bytes - 'uploads/'.length - '.mp4'.length)}.mp4`;

// ---------------------------------------------------------------------------------------------
// The HTTP API
// ---------------------------------------------------------------------------------------------

function apiWorld(): FakeJobsTable {
  const table = new FakeJobsTable(ddb);
  s3.on(HeadObjectCommand, { Bucket: SOURCE_BUCKET }).rejects(new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } }));
  s3.on(HeadObjectCommand, { Bucket: SOURCE_BUCKET, Key: 'uploads/clip.mp4' }).resolves({ ContentLength: 1_048_576, ETag: `"${ETAG}"`, VersionId: VERSION });
  s3.on(HeadObjectCommand, { Bucket: SOURCE_BUCKET, Key: 'uploads/empty.mp4' }).resolves({ ContentLength: 0, ETag: `"${ETAG}"`, VersionId: VERSION });
  return table;
}

async function api4xx(res: APIGatewayProxyStructuredResultV2, status: number, field?: string): Promise<Observed> {
  expect(res.statusCode).toBe(status);
  const body = JSON.parse(res.body as string) as { error: { field?: string; message: string } };
  if (field !== undefined) expect(body.error.field).toBe(field);
  expect(body.error.message).not.toMatch(/at .*\.ts:\d+/); // no stack traces
  return fromHttp(res);
}

// ---------------------------------------------------------------------------------------------
// Tenancy and spend limits: two owners and an admin; start-job wired as deployed, with the
// uploads and limits tables (the cached handlers above run with HANDLER_ENV, which has none)
// ---------------------------------------------------------------------------------------------

const ALICE = jwtCaller('alice', 'video/jobs.read', 'video/jobs.write');
const BOB = jwtCaller('bob', 'video/jobs.read', 'video/jobs.write');
const OPS = jwtCaller('ops', 'video/admin');
const ALICE_ID = ownerIdOf(`jwt|${ISSUER}|alice`);
const BOB_ID = ownerIdOf(`jwt|${ISSUER}|bob`);
const QUOTA = 2;
const aliceKey = (n: number) => `uploads/${ALICE_ID}/00000000-0000-4000-8000-${String(n).padStart(12, '0')}/clip.mp4`;

function limitedWorld() {
  const limits = new FakeLimitsTables();
  const table = new FakeJobsTable(ddb, limits);
  const startDeps = startJobDepsFromEnv({ ...HANDLER_ENV, ...limitsEnv(QUOTA) });
  const postJob = apiHandler('POST /jobs', (event, ctx) =>
    createJobCore(event, ctx, { sourceBucket: SOURCE_BUCKET, startJob, startDeps, access: accessConfigFromEnv({}) }),
  );
  const upload = (key: string, version: string, messageId = 'm-1') =>
    processBatch([sqsRecord(messageBody({ key, etag: ETAG, 'version-id': version }), messageId)], { ...startDeps, sourceBucket: SOURCE_BUCKET, log: logger });
  s3.on(HeadObjectCommand, { Bucket: SOURCE_BUCKET }).callsFake(async (input: { VersionId?: string }) => ({
    ContentLength: 1_048_576,
    ETag: `"${ETAG}"`,
    VersionId: input.VersionId ?? VERSION,
  }));
  return { limits, table, postJob, upload };
}

// ---------------------------------------------------------------------------------------------
// One runner per catalog row
// ---------------------------------------------------------------------------------------------

const runners: Record<string, () => Promise<Observed>> = {
  's3-text-as-mp4': () => rejectedByProbe('not-media.mp4', /not a recognised media container/),
  's3-zero-bytes': () => rejectedAtStart('uploads/empty.mp4', { size: 0, expectHead: true }),
  's3-truncated-head': () => rejectedByProbe('truncated-head.mp4', /truncated/),
  's3-truncated-tail': () => rejectedByProbe('truncated-tail.mp4', /not a recognised media container/),
  's3-audio-only': () => rejectedByProbe('audio-only.m4a', /audio-only/),

  's3-video-without-audio': async () => {
    const { observed, captured } = await completed(media('portrait-no-audio.mp4'), 'uploads/portrait-no-audio.mp4');
    expect(captured.metadata.audioTrackCount).toBe(0);
    const outputs = (captured.plan.settings as { OutputGroups: { Outputs: Record<string, unknown>[] }[] }).OutputGroups.flatMap((g) => g.Outputs);
    expect(outputs.length).toBeGreaterThan(0);
    for (const output of outputs) expect(output).not.toHaveProperty('AudioDescriptions');
    for (const rung of captured.plan.ladder) expect(rung.width).toBeLessThan(rung.height);
    return observed;
  },
  's3-8k-source': async () => {
    const { observed, captured } = await completed(path.join(RELIABILITY_MEDIA_DIR, '8k-0.4s.mp4'), 'uploads/8k.mp4');
    expect(captured.metadata).toMatchObject({ displayWidth: 7680, displayHeight: 4320 });
    expect(captured.plan.ladder[0]).toMatchObject({ width: 1920, height: 1080 });
    for (const rung of captured.plan.ladder) expect(rung.height).toBeLessThanOrEqual(1080);
    return observed;
  },
  's3-rotated-portrait': async () => {
    const { observed, captured } = await completed(media('rotated-90.mp4'), 'uploads/rotated-90.mp4');
    expect(captured.metadata).toMatchObject({ width: 320, height: 180, displayWidth: 180, displayHeight: 320 });
    expect(captured.plan.ladder[0]).toMatchObject({ width: 180, height: 320 });
    for (const rung of captured.plan.ladder) expect(rung.width).toBeLessThan(rung.height);
    return observed;
  },
  's3-half-second-clip': async () => {
    const { observed, captured } = await completed(media('short-0.5s.mp4'), 'uploads/short.mp4');
    expect(captured.metadata.durationSeconds).toBeLessThan(1);
    expect(captured.plan.thumbnailCount).toBeGreaterThanOrEqual(1);
    return observed;
  },
  's3-too-long': async () => {
    process.env.MAX_DURATION_SECONDS = '60';
    const { run } = await ingestAndRun(media('long-120s.mp4'), 'uploads/long.mp4');
    expect(run?.states).toEqual(['RecordStart', 'ExtractMetadata', 'PlanTranscode', 'RecordFailure', 'NotifyFailure', 'WorkflowFailed']);
    expect(run?.attempts.PlanTranscode).toBe(1);
    expect(run?.attempts.Transcode).toBeUndefined();
    expect(run?.record?.error?.cause).toMatch(/longer than the 60 s maximum/);
    return fromRecord(run?.record);
  },

  's3-key-spaces': () => startedFor('uploads/my+clip.mp4', 'uploads/my clip.mp4'),
  's3-key-literal-plus': () => startedFor('uploads/a%2Bb.mp4', 'uploads/a+b.mp4'),
  's3-key-unicode': () => startedFor('uploads/caf%C3%A9+%E2%9C%93.mp4', 'uploads/café ✓.mp4'),
  's3-key-percent': () => startedFor('uploads/100%.mp4', 'uploads/100%.mp4'),
  's3-key-1024-bytes': () => {
    const key = keyOfBytes(1024);
    expect(Buffer.byteLength(key)).toBe(1024);
    return startedFor(key, key);
  },
  's3-key-1025-bytes': async () => {
    const key = keyOfBytes(1025);
    expect(Buffer.byteLength(key)).toBe(1025);
    return rejectedAtStart(key, { expectHead: false });
  },
  's3-upper-case-extension': () => startedFor('uploads/CLIP.MP4', 'uploads/CLIP.MP4'),
  's3-disallowed-extension': () => rejectedAtStart('uploads/song.m4a', { expectHead: false }),
  's3-outside-prefix': () => rejectedAtStart('private/clip.mp4', { expectHead: false }),
  's3-path-traversal': () => rejectedAtStart('uploads/../private/clip.mp4', { expectHead: false }),
  's3-deleted-before-start': () => rejectedAtStart('uploads/gone.mp4', { headKey: 'uploads/other.mp4', expectHead: true, unconfirmed: true }),
  's3-overwritten-before-start': () => rejectedAtStart('uploads/clip.mp4', { etag: 'ffffffffffffffffffffffffffffffff', expectHead: true, unconfirmed: true }),
  's3-forged-etag': async () => {
    // The forger knows the key and version; the message carries another ETag.
    const genuineId = jobIdFor(SOURCE_BUCKET, 'uploads/clip.mp4', VERSION);
    const observed = await rejectedAtStart('uploads/clip.mp4', { etag: ETAG, forgedEtag: 'ffffffffffffffffffffffffffffffff', expectHead: true, unconfirmed: true });
    expect(machine.executions.has(genuineId)).toBe(false);
    return observed;
  },
  's3-key-bidi-override': () => rejectedAtStart('uploads/clip\u202egpj.mp4', { expectHead: false }),
  's3-deleted-during-workflow': async () => {
    const { size } = serveSource(s3, media('landscape.mp4'));
    const ingested = await ingest('uploads/clip.mp4', { size });
    s3.on(GetObjectCommand, { Bucket: SOURCE_BUCKET }).rejects(
      new S3ServiceException({ name: 'NoSuchVersion', $fault: 'client', message: 'The specified version does not exist.', $metadata: { httpStatusCode: 404 } }),
    );
    const input = JSON.parse(machine.executions.get(ingested.jobId)!) as WorkflowInput;
    const wiring = realWorkflow(ddb, { transcodeRequests: [] });
    const run = await runWorkflow({ input, seed: ingested.table.get(input.jobId)!, lambdas: wiring.lambdas, tasks: { Transcode: wiring.transcode } });
    expect(run.attempts.ExtractMetadata).toBe(1);
    expect(run.states).toEqual(['RecordStart', 'ExtractMetadata', 'RecordFailure', 'NotifyFailure', 'WorkflowFailed']);
    return fromRecord(run.record);
  },
  's3-duplicate-event': async () => {
    const table = new InMemoryJobTable();
    bridgeJobTable(ddb, table);
    s3.on(HeadObjectCommand).resolves({ ContentLength: 1_048_576, ETag: `"${ETAG}"`, VersionId: VERSION });
    const body = messageBody({ key: 'uploads/clip.mp4', etag: ETAG, 'version-id': VERSION });
    const first = await startWorkflow(sqsEvent(sqsRecord(body, 'm-1'), sqsRecord(body, 'm-2')));
    const redelivered = await startWorkflow(sqsEvent(sqsRecord(body, 'm-3')));
    expect(first).toEqual({ batchItemFailures: [] });
    expect(redelivered).toEqual({ batchItemFailures: [] });
    expect(sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
    expect(ddb).toHaveReceivedCommandTimes(PutCommand, 3); // each conditional put after the first finds the record
    return fromRecord(table.get(jobIdFor(SOURCE_BUCKET, 'uploads/clip.mp4', VERSION)));
  },
  's3-malformed-message': async () => {
    const table = new InMemoryJobTable();
    bridgeJobTable(ddb, table);
    s3.on(HeadObjectCommand).resolves({ ContentLength: 1_048_576, ETag: `"${ETAG}"`, VersionId: VERSION });
    // SQS redelivers a reported message until ApproximateReceiveCount reaches maxReceiveCount, then moves it to the DLQ.
    let observed: Observed = { sink: 'nowhere', error: 'never received' };
    for (let receive = 1; receive <= INGEST_MAX_RECEIVE_COUNT; receive++) {
      const bad = sqsRecord('{"detail-type": "Object Created", "detail": ', 'bad');
      bad.attributes.ApproximateReceiveCount = String(receive);
      const good = sqsRecord(messageBody({ key: `uploads/ok-${receive}.mp4`, etag: ETAG, 'version-id': VERSION }), `good-${receive}`);
      const res = await startWorkflow(sqsEvent(bad, good));
      expect(res.batchItemFailures).toEqual([{ itemIdentifier: 'bad' }]);
      observed = fromBatch(res, 'bad');
    }
    expect(INGEST_MAX_RECEIVE_COUNT).toBe(3);
    expect(sfn).toHaveReceivedCommandTimes(StartExecutionCommand, INGEST_MAX_RECEIVE_COUNT); // only the good ones
    expect(errorLog).not.toHaveBeenCalledWith(expect.anything(), expect.objectContaining({ body: expect.anything() }));
    return observed;
  },
  's3-not-object-created': async () => {
    bridgeJobTable(ddb, new InMemoryJobTable());
    const deleted = { ...objectCreatedEvent({ key: 'uploads/clip.mp4' }, SOURCE_BUCKET), 'detail-type': 'Object Deleted' };
    const res = await startWorkflow(sqsEvent(sqsRecord(JSON.stringify(deleted), 'm-1')));
    expect(ddb).not.toHaveReceivedCommand(PutCommand);
    return fromBatch(res, 'm-1');
  },
  's3-other-bucket-event': async () => {
    bridgeJobTable(ddb, new InMemoryJobTable());
    const res = await startWorkflow(sqsEvent(sqsRecord(messageBody({ key: 'uploads/clip.mp4' }, 'someone-elses-bucket'), 'm-1')));
    expect(s3).not.toHaveReceivedCommand(HeadObjectCommand);
    expect(ddb).not.toHaveReceivedCommand(PutCommand);
    return fromBatch(res, 'm-1');
  },

  'api-zero-bytes': async () => {
    apiWorld();
    const res = await createJob(postJobs({ key: 'uploads/empty.mp4' }));
    expect(ddb).not.toHaveReceivedCommand(PutCommand);
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
    return api4xx(res, 422);
  },
  'api-concurrent-same-key': async () => {
    const table = apiWorld();
    const [a, b] = await Promise.all([createJob(postJobs({ key: 'uploads/clip.mp4' })), createJob(postJobs({ key: 'uploads/clip.mp4' }))]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([200, 202]);
    const ids = [a, b].map((r) => (JSON.parse(r.body as string) as { jobId: string }).jobId);
    expect(ids[0]).toBe(ids[1]);
    expect(machine.executions.size).toBe(1);
    expect(table.items.size).toBe(1);
    return fromHttp(a.statusCode === 202 ? a : b);
  },
  'api-names-bucket': async () => {
    apiWorld();
    const res = await createJob(postJobs({ key: 'uploads/clip.mp4', bucket: 'someone-elses-bucket' }));
    expect(s3).not.toHaveReceivedCommand(HeadObjectCommand);
    return api4xx(res, 400, 'bucket');
  },
  'api-missing-object': async () => {
    apiWorld();
    const res = await createJob(postJobs({ key: 'uploads/missing.mp4' }));
    expect(s3).toHaveReceivedCommandWith(HeadObjectCommand, { Bucket: SOURCE_BUCKET, Key: 'uploads/missing.mp4' });
    return api4xx(res, 404, 'key');
  },
  'api-invalid-json': async () => {
    apiWorld();
    return api4xx(await createJob(postJobs('{"key": "uploads/clip.mp4"')), 400, 'body');
  },
  'api-body-too-large': async () => {
    apiWorld();
    const res = await createJob(postJobs({ key: `uploads/${'x'.repeat(5000)}.mp4` }));
    expect(s3).not.toHaveReceivedCommand(HeadObjectCommand);
    return api4xx(res, 413, 'body');
  },
  'api-key-control-chars': async () => {
    apiWorld();
    const res = await createJob(postJobs({ key: 'uploads/clip\n.mp4' }));
    expect(s3).not.toHaveReceivedCommand(HeadObjectCommand);
    return api4xx(res, 422, 'key');
  },
  'api-key-line-separator': async () => {
    apiWorld();
    const nel = await createJob(postJobs({ key: 'uploads/clip\u0085.mp4' }));
    expect(nel.statusCode).toBe(422);
    const res = await createJob(postJobs({ key: 'uploads/clip\u2028.mp4' }));
    expect(s3).not.toHaveReceivedCommand(HeadObjectCommand);
    return api4xx(res, 422, 'key');
  },
  'api-malformed-version-id': async () => {
    apiWorld();
    const res = await createJob(postJobs({ key: 'uploads/clip.mp4', versionId: 'v1 OR 1=1' }));
    expect(s3).not.toHaveReceivedCommand(HeadObjectCommand);
    return api4xx(res, 400, 'versionId');
  },
  'api-bogus-version-id': async () => {
    apiWorld();
    s3.on(HeadObjectCommand, { Bucket: SOURCE_BUCKET, Key: 'uploads/clip.mp4', VersionId: 'NeverIssued123' }).rejects(
      new S3ServiceException({ name: 'BadRequest', $fault: 'client', message: 'Bad Request', $metadata: { httpStatusCode: 400 } }),
    );
    const res = await createJob(postJobs({ key: 'uploads/clip.mp4', versionId: 'NeverIssued123' }));
    expect(ddb).not.toHaveReceivedCommand(PutCommand);
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
    return api4xx(res, 404, 'key');
  },
  'api-tampered-page-token': async () => {
    apiWorld();
    const genuine = Buffer.from(JSON.stringify({ jobId: 'a'.repeat(32), status: 'FAILED', createdAt: '2026-11-29T10:00:00.000Z' })).toString('base64url');
    const tampered = Buffer.from(JSON.stringify({ jobId: 'a'.repeat(32), status: 'FAILED', createdAt: '2026-11-29T10:00:00.000Z', TableName: 'other' })).toString('base64url');
    expect(tampered).not.toBe(genuine);
    const res = await listJobs(listJobsEvent({ status: 'FAILED', next: tampered }));
    expect(ddb).not.toHaveReceivedCommand(QueryCommand);
    return api4xx(res, 400, 'next');
  },
  'api-bad-job-id': async () => {
    apiWorld();
    const res = await getJob(getJobEvent('..%2F..%2Fetc%2Fpasswd'));
    expect(ddb).not.toHaveReceivedCommand(GetCommand);
    return api4xx(res, 400, 'jobId');
  },
  'api-upload-too-large': async () => {
    const res = await createUpload(postUploads({ filename: 'big.mp4', contentType: 'video/mp4', size: 5 * 1024 ** 3 + 1 }));
    return api4xx(res, 422, 'size');
  },
  'api-upload-type-mismatch': async () => {
    const res = await createUpload(postUploads({ filename: 'clip.mp4', contentType: 'text/html', size: 1024 }));
    return api4xx(res, 422, 'contentType');
  },

  'api-no-caller-identity': async () => {
    apiWorld();
    const res = await listJobs(listJobsEvent({}, { caller: 'none' }));
    expect(ddb).not.toHaveReceivedCommand(QueryCommand);
    return api4xx(res, 403);
  },
  'api-foreign-job-id': async () => {
    const table = apiWorld();
    const createdAt = '2026-11-29T10:00:00.000Z';
    table.put({ jobId: 'a'.repeat(32), status: 'COMPLETED', trigger: 'api', owner: ALICE_ID, source: { bucket: SOURCE_BUCKET, key: aliceKey(1), etag: ETAG, size: 1 }, createdAt, updatedAt: createdAt });
    const foreign = await getJob(getJobEvent('a'.repeat(32), { caller: BOB }));
    const missing = await getJob(getJobEvent('b'.repeat(32), { caller: BOB }));
    expect(JSON.parse(foreign.body as string).error.message.replace(/a{32}/, 'ID')).toBe(JSON.parse(missing.body as string).error.message.replace(/b{32}/, 'ID'));
    return api4xx(foreign, 404, 'jobId');
  },
  'api-key-outside-caller-prefix': async () => {
    const table = apiWorld();
    const res = await createJob(postJobs({ key: `uploads/${BOB_ID}/00000000-0000-4000-8000-000000000001/clip.mp4` }, { caller: ALICE }));
    expect(s3).not.toHaveReceivedCommand(HeadObjectCommand);
    expect(table.size).toBe(0);
    return api4xx(res, 404, 'key');
  },
  'api-owner-field': async () => {
    apiWorld();
    return api4xx(await createJob(postJobs({ key: aliceKey(1), owner: BOB_ID }, { caller: ALICE })), 400, 'owner');
  },
  'api-force-without-admin': async () => {
    apiWorld();
    const res = await createJob(postJobs({ key: aliceKey(1), force: true }, { caller: ALICE }));
    expect(s3).not.toHaveReceivedCommand(HeadObjectCommand);
    return api4xx(res, 403, 'force');
  },
  'api-foreign-page-token': async () => {
    const table = apiWorld();
    for (const n of [1, 2]) {
      const createdAt = `2026-11-29T10:0${n}:00.000Z`;
      table.put({ jobId: String(n).repeat(32), status: 'COMPLETED', trigger: 'api', owner: BOB_ID, source: { bucket: SOURCE_BUCKET, key: `k${n}.mp4`, etag: ETAG, size: 1 }, createdAt, updatedAt: createdAt });
    }
    const bobsNext = JSON.parse((await listJobs(listJobsEvent({ limit: '1' }, { caller: BOB }))).body as string).next as string;
    ddb.resetHistory();
    const res = await listJobs(listJobsEvent({ limit: '1', next: bobsNext }, { caller: ALICE }));
    expect(ddb).not.toHaveReceivedCommand(QueryCommand);
    return api4xx(res, 400, 'next');
  },
  'api-quota-exceeded': async () => {
    const { postJob, limits, table } = limitedWorld();
    for (let n = 1; n <= QUOTA; n += 1) expect((await postJob(postJobs({ key: aliceKey(n) }, { caller: ALICE }))).statusCode).toBe(202);
    const res = await postJob(postJobs({ key: aliceKey(QUOTA + 1) }, { caller: ALICE }));
    expect(Number(res.headers?.['retry-after'])).toBeGreaterThan(0);
    expect(limits.count(ALICE_ID, quotaDay(new Date()))).toBe(QUOTA);
    expect(machine.executions.size).toBe(QUOTA);
    expect(table.size).toBe(QUOTA);
    return api4xx(res, 429);
  },
  'api-force-loop': async () => {
    const { postJob, limits } = limitedWorld();
    expect((await postJob(postJobs({ key: aliceKey(1) }, { caller: ALICE }))).statusCode).toBe(202);
    const results = [];
    for (let i = 0; i < 5; i += 1) results.push(await postJob(postJobs({ key: aliceKey(1), force: true }, { caller: OPS })));
    expect(results.map((r) => r.statusCode)).toEqual([409, 409, 409, 409, 409]);
    expect(machine.executions.size).toBe(1);
    expect(limits.count(ALICE_ID, quotaDay(new Date()))).toBe(1);
    return api4xx(results[4], 409);
  },
  'api-upload-form-reused': async () => {
    const { postJob, upload } = limitedWorld();
    expect(await upload(aliceKey(1), 'v1')).toEqual({ batchItemFailures: [] });
    const res = await postJob(postJobs({ key: aliceKey(1), versionId: 'v2' }, { caller: ALICE }));
    expect(machine.executions.size).toBe(1);
    return api4xx(res, 409);
  },
  's3-quota-exceeded': async () => {
    const { upload, table } = limitedWorld();
    for (let n = 1; n <= QUOTA; n += 1) expect(await upload(aliceKey(n), 'v1', `m-${n}`)).toEqual({ batchItemFailures: [] });
    const response = await upload(aliceKey(9), 'v1', 'm-9');
    expect(response).toEqual({ batchItemFailures: [] });
    expect(machine.executions.size).toBe(QUOTA);
    const rejected = table.get(jobIdFor(SOURCE_BUCKET, aliceKey(9), 'v1', `QuotaExceeded:${quotaDay(new Date())}`));
    expect(rejected?.owner).toBe(ALICE_ID);
    expect(warnLog).toHaveBeenCalledWith('Source rejected', expect.objectContaining({ messageId: 'm-9', error: 'QuotaExceeded' }));
    return fromRecord(rejected);
  },
  's3-upload-form-reused': async () => {
    const { upload, table } = limitedWorld();
    expect(await upload(aliceKey(1), 'v1', 'm-1')).toEqual({ batchItemFailures: [] });
    expect(await upload(aliceKey(1), 'v2', 'm-2')).toEqual({ batchItemFailures: [] });
    expect(machine.executions.size).toBe(1);
    expect(table.get(jobIdFor(SOURCE_BUCKET, aliceKey(1), 'v1'))).toMatchObject({ status: 'QUEUED', owner: ALICE_ID });
    const rejected = table.get(jobIdFor(SOURCE_BUCKET, aliceKey(1), 'v2'));
    expect(rejected?.owner).toBe(ALICE_ID);
    return fromRecord(rejected);
  },

  'eb-mediaconvert-not-ours': async () => {
    const event = mediaConvertEvent({ userMetadata: { jobId: 'b'.repeat(32), workflow: 'someone-elses-workflow' } });
    return fromIgnored(await jobProgress(event));
  },
  'eb-mediaconvert-no-job-id': async () => {
    const event = mediaConvertEvent({ userMetadata: {} });
    return fromIgnored(await jobProgress(event));
  },
  'eb-execution-other-machine': async () => {
    const event = executionStatusEvent({ stateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:another-app', name: 'c'.repeat(32) });
    return fromIgnored(await jobProgress(event));
  },
  'eb-forged-execution-aborted': async () => {
    const table = new InMemoryJobTable();
    bridgeJobTable(ddb, table);
    const jobId = 'd'.repeat(32);
    const executionArn = `${HANDLER_ENV.STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${jobId}`;
    table.seed({ ...queuedRecord(workflowInput({ jobId })), status: 'PROCESSING', executionArn });
    sfn.on(DescribeExecutionCommand, { executionArn }).resolves({ executionArn, status: 'RUNNING' });
    const result = (await jobProgress({ ...executionStatusEvent({ stateMachineArn: HANDLER_ENV.STATE_MACHINE_ARN, name: jobId }), detail: { ...executionStatusEvent({ stateMachineArn: HANDLER_ENV.STATE_MACHINE_ARN, name: jobId }).detail, status: 'ABORTED' } })) as { ignored?: boolean; reason?: string };
    expect(result).toEqual({ ignored: true, reason: 'Step Functions reports the execution RUNNING, the event says ABORTED' });
    expect(warnLog).toHaveBeenCalledWith(expect.stringMatching(/ignored$/), expect.objectContaining({ jobId, reason: result.reason }));
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
    expect(sns).not.toHaveReceivedCommand(PublishCommand);
    expect(table.get(jobId)?.status).toBe('PROCESSING');
    return { sink: 'ignored-logged', error: 'none' };
  },
  'eb-execution-not-a-job-id': async () => {
    const event = executionStatusEvent({ stateMachineArn: HANDLER_ENV.STATE_MACHINE_ARN, name: 'manual-test-run' });
    return fromIgnored(await jobProgress(event));
  },
};

/** A "Step Functions Execution Status Change" event (TIMED_OUT) for `detail`'s machine and name. */
function executionStatusEvent(detail: { stateMachineArn: string; name: string }) {
  return {
    version: '0',
    id: '315c1398-40ff-a850-213b-158f73e60175',
    'detail-type': 'Step Functions Execution Status Change',
    source: 'aws.states',
    account: '123456789012',
    time: '2026-11-29T12:00:00Z',
    region: 'eu-west-1',
    resources: [`${detail.stateMachineArn.replace(':stateMachine:', ':execution:')}:${detail.name}`],
    detail: { executionArn: `${detail.stateMachineArn.replace(':stateMachine:', ':execution:')}:${detail.name}`, status: 'TIMED_OUT', error: null, cause: null, ...detail },
  };
}

describe('bad-input catalog', () => {
  it('has a runner for every row and a row for every runner, with unique ids', () => {
    const ids = BAD_INPUTS.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(Object.keys(runners).sort()).toEqual([...ids].sort());
    // SECURITY.md "Bad inputs and faults" lists every row
    const security = readFileSync(path.join(__dirname, '../../SECURITY.md'), 'utf8');
    expect(ids.filter((id) => !security.includes(`| \`${id}\` |`))).toEqual([]);
    expect(ids.length).toBeGreaterThanOrEqual(25);
  });

  it.each(BAD_INPUTS.map((c) => [c.id, c] as const))('%s ends in its declared sink', async (_id, c: BadInputCase) => {
    // Prepare: the row's runner sets up its mocks; Act: it calls the real handler(s)
    let observed: Observed;
    try {
      observed = await runners[c.id]();
    } catch (error) {
      // Assertion failures inside the runner surface as themselves; anything else is an unhandled exception.
      if ((error as { matcherResult?: unknown }).matcherResult !== undefined) throw error;
      throw new Error(`unhandled exception for ${c.id}: ${(error as Error).name}: ${(error as Error).message}`, { cause: error });
    }
    // Assess: exactly the declared sink and error
    expect(observed).toEqual({ sink: c.recordedIn, error: c.expectedError });
    // ... and no handler logged an unexpected error
    expect(errorLog).not.toHaveBeenCalledWith('Unexpected error processing message', expect.anything());
    expect(errorLog).not.toHaveBeenCalledWith('Request failed', expect.anything());
  });
});
