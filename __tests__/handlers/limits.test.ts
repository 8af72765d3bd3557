/**
 * Spend limits on both entry points (start-workflow for S3 events, create-job for the API),
 * with the real start logic over the fake jobs, uploads and limits tables: the per-owner daily
 * quota (429 / QuotaExceeded), upload reservations (UploadAlreadyUsed) and the
 * one-run-per-version lock for forced re-runs.
 */
import { HeadObjectCommand, PutObjectTaggingCommand, S3Client } from '@aws-sdk/client-s3';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as createJob } from '../../handlers/create-job';
import { logger } from '../../handlers/shared/logger';
import { quotaDay, secondsUntilNextDay } from '../../handlers/shared/limits';
import { ownerIdOf } from '../../handlers/shared/owner';
import { jobIdFor } from '../../handlers/shared/start-job';
import { handler as startWorkflow } from '../../handlers/start-workflow';
import { bodyOf, ISSUER, jwtCaller, postJobs } from '../fixtures/api-events';
import { objectCreatedEvent, sqsEvent, sqsRecord } from '../fixtures/events';
import { InMemoryJobTable } from '../helpers/asl-harness';
import { bridgeJobTable, FakeJobsTable, FakeLimitsTables, limitsEnv, TEST_LIMITS_TABLE } from '../helpers/jobs-table';
import { HANDLER_ENV, SOURCE_BUCKET } from '../helpers/real-workflow';
import { FakeStateMachine } from '../api/fake-aws';

const LIMIT = 3;
const s3 = mockClient(S3Client);
const ddb = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);
let table: FakeJobsTable;
let limits: FakeLimitsTables;
let machine: FakeStateMachine;

const ALICE = jwtCaller('alice', 'video/jobs.read', 'video/jobs.write');
const ADMIN = jwtCaller('ops', 'video/admin');
const OWNER = ownerIdOf(`jwt|${ISSUER}|alice`);
const ETAG = '9b2cf535f27731c974343645a3985328';
const TODAY = quotaDay(new Date());
const keyOf = (n: number) => `uploads/${OWNER}/00000000-0000-4000-8000-${String(n).padStart(12, '0')}/clip.mp4`;
const s3Event = (key: string, version: string, messageId = 'm-1') =>
  sqsEvent(sqsRecord(JSON.stringify(objectCreatedEvent({ key, 'version-id': version, etag: ETAG }, SOURCE_BUCKET)), messageId));

beforeAll(() => {
  Object.assign(process.env, HANDLER_ENV, limitsEnv(LIMIT));
  logger.setLogLevel('SILENT');
});

beforeEach(() => {
  s3.reset();
  ddb.reset();
  sfn.reset();
  limits = new FakeLimitsTables();
  table = new FakeJobsTable(ddb, limits);
  machine = new FakeStateMachine(sfn);
  s3.on(HeadObjectCommand).callsFake(async (input: { VersionId?: string }) => ({ ContentLength: 1_048_576, ETag: `"${ETAG}"`, VersionId: input.VersionId ?? 'v1' }));
});

describe('per-owner daily quota', () => {
  it('counts each new job in the same transaction as its put, and answers 429 with Retry-After past the limit', async () => {
    // Prepare
    for (let n = 1; n <= LIMIT; n += 1) expect((await createJob(postJobs({ key: keyOf(n) }, { caller: ALICE }))).statusCode).toBe(202);

    // Act
    const over = await createJob(postJobs({ key: keyOf(LIMIT + 1) }, { caller: ALICE }));

    // Assess
    expect(over.statusCode).toBe(429);
    expect(bodyOf(over).error).toEqual({
      code: 'QUOTA_EXCEEDED',
      message: expect.stringMatching(/^The daily job quota \(3 jobs per owner per UTC day\) is used up; retry after \d+ s$/),
    });
    const retryAfter = Number(over.headers?.['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(86_400);
    expect(limits.count(OWNER, TODAY)).toBe(LIMIT);
    expect(machine.executions.size).toBe(LIMIT);
    expect(table.size).toBe(LIMIT);
    expect(ddb).toHaveReceivedCommandWith(TransactWriteCommand, {
      TransactItems: expect.arrayContaining([
        expect.objectContaining({
          Update: expect.objectContaining({
            TableName: TEST_LIMITS_TABLE,
            Key: { pk: `quota#${OWNER}#${TODAY}` },
            UpdateExpression: 'ADD jobCount :one SET expiresAt = if_not_exists(expiresAt, :ttl)',
            ConditionExpression: 'attribute_not_exists(jobCount) OR jobCount < :limit',
          }),
        }),
      ]),
    });
  });

  it('never counts a duplicate (same key and version, no force)', async () => {
    // Act
    for (let i = 0; i < 5; i += 1) await createJob(postJobs({ key: keyOf(1) }, { caller: ALICE }));

    // Assess
    expect(limits.count(OWNER, TODAY)).toBe(1);
    expect(machine.executions.size).toBe(1);
  });

  it("counts an admin's forced re-runs against the job owner's quota", async () => {
    // Prepare
    const first = bodyOf(await createJob(postJobs({ key: keyOf(1) }, { caller: ALICE }))).jobId as string;
    table.table.transition(first, 'PROCESSING', {}, 'test');
    table.table.transition(first, 'FAILED', {}, 'test');

    // Act
    const forced = await createJob(postJobs({ key: keyOf(1), force: true }, { caller: ADMIN }));

    // Assess
    expect(forced.statusCode).toBe(202);
    expect(limits.count(OWNER, TODAY)).toBe(2);
  });

  it('rejects an S3 upload over the quota as a FAILED QuotaExceeded record, acknowledged (no DLQ), without an execution', async () => {
    // Prepare
    for (let n = 1; n <= LIMIT; n += 1) await startWorkflow(s3Event(keyOf(n), 'v1', `m-${n}`));

    // Act
    const result = await startWorkflow(s3Event(keyOf(9), 'v1'));

    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    expect(machine.executions.size).toBe(LIMIT);
    const rejected = [...table.items.values()].find((j) => j.status === 'FAILED')!;
    expect(rejected).toMatchObject({ owner: OWNER, source: { key: keyOf(9), versionId: 'v1' }, error: { name: 'QuotaExceeded' } });
    // Recorded apart from the version's own job id, so the upload can still run on a later day.
    expect(rejected.jobId).toBe(jobIdFor(SOURCE_BUCKET, keyOf(9), 'v1', `QuotaExceeded:${TODAY}`));
    expect(table.get(jobIdFor(SOURCE_BUCKET, keyOf(9), 'v1'))).toBeUndefined();
  });

  it('lets the counter expire a day after its day ends (TTL)', async () => {
    // Act
    await createJob(postJobs({ key: keyOf(1) }, { caller: ALICE }));

    // Assess
    const ttl = limits.limits.get(`quota#${OWNER}#${TODAY}`)?.expiresAt as number;
    const dayEnd = Date.parse(`${TODAY}T00:00:00.000Z`) / 1000 + 86_400;
    expect(ttl).toBeGreaterThanOrEqual(dayEnd + 86_400 - 2);
    expect(ttl).toBeLessThanOrEqual(dayEnd + 86_400 + 2);
  });

  it('says how long until the next UTC day', () => {
    // Act / Assess
    expect(secondsUntilNextDay(new Date('2026-11-29T23:59:30.000Z'))).toBe(30);
    expect(secondsUntilNextDay(new Date('2026-11-29T00:00:00.000Z'))).toBe(86_400);
  });
});

describe('upload reservations', () => {
  it('lets the first object version consume the reservation and refuses a second version (re-used form)', async () => {
    // Prepare
    limits.uploads.set(keyOf(1), { key: keyOf(1), owner: OWNER, size: 2048, contentType: 'video/mp4', expiresAt: 1 });
    await startWorkflow(s3Event(keyOf(1), 'v1', 'm-1'));
    await startWorkflow(s3Event(keyOf(1), 'v1', 'm-1-again'));

    // Act
    const second = await startWorkflow(s3Event(keyOf(1), 'v2', 'm-2'));

    // Assess
    expect(second).toEqual({ batchItemFailures: [] });
    expect(machine.executions.size).toBe(1);
    expect(limits.uploads.get(keyOf(1))).toMatchObject({ consumedVersion: 'v1', owner: OWNER });
    expect(table.get(jobIdFor(SOURCE_BUCKET, keyOf(1), 'v2'))).toMatchObject({
      status: 'FAILED',
      owner: OWNER,
      error: { name: 'UploadAlreadyUsed' },
    });
    expect(limits.count(OWNER, TODAY)).toBe(1);
    // The extra bytes are tagged for the source bucket's expire-rejected-uploads lifecycle rule.
    expect(s3).toHaveReceivedCommandTimes(PutObjectTaggingCommand, 1);
    expect(s3).toHaveReceivedCommandWith(PutObjectTaggingCommand, {
      Bucket: SOURCE_BUCKET,
      Key: keyOf(1),
      VersionId: 'v2',
      Tagging: { TagSet: [{ Key: 'video-workflow-rejected', Value: 'UploadAlreadyUsed' }] },
    });
  });

  it('answers the API 409 UPLOAD_ALREADY_USED for the second version', async () => {
    // Prepare
    await startWorkflow(s3Event(keyOf(1), 'v1'));

    // Act
    const res = await createJob(postJobs({ key: keyOf(1), versionId: 'v2' }, { caller: ALICE }));

    // Assess
    expect(res.statusCode).toBe(409);
    expect(bodyOf(res).error.code).toBe('UPLOAD_ALREADY_USED');
    expect(machine.executions.size).toBe(1);
  });

  it('recreates an expired reservation as consumed, so the form stays single-use', async () => {
    // Act: no reservation item (TTL removed it); the first version arrives, then a second.
    await startWorkflow(s3Event(keyOf(2), 'v1'));
    await startWorkflow(s3Event(keyOf(2), 'v2'));

    // Assess
    expect(limits.uploads.get(keyOf(2))).toMatchObject({ consumedVersion: 'v1', owner: OWNER });
    expect(machine.executions.size).toBe(1);
    expect(table.get(jobIdFor(SOURCE_BUCKET, keyOf(2), 'v2'))?.error?.name).toBe('UploadAlreadyUsed');
  });
});

describe('one running execution per key and version', () => {
  it('refuses a forced re-run while the first run is still PROCESSING (409), and allows it once it ended', async () => {
    // Prepare
    const first = bodyOf(await createJob(postJobs({ key: keyOf(1) }, { caller: ALICE }))).jobId as string;
    table.table.transition(first, 'PROCESSING', {}, 'test');

    // Act
    const whileRunning = await createJob(postJobs({ key: keyOf(1), force: true }, { caller: ADMIN }));
    table.table.transition(first, 'COMPLETED', {}, 'test');
    const afterwards = await createJob(postJobs({ key: keyOf(1), force: true }, { caller: ADMIN }));

    // Assess
    expect(whileRunning.statusCode).toBe(409);
    expect(bodyOf(whileRunning).error).toEqual({ code: 'JOB_ALREADY_RUNNING', message: 'A job of this object version is still PROCESSING; retry once it has finished' });
    expect(afterwards.statusCode).toBe(202);
    expect(machine.executions.size).toBe(2);
    expect(limits.limits.get(`run#${first}`)?.activeJobId).toBe(bodyOf(afterwards).jobId);
  });

  it('lets exactly one of two concurrent forced re-runs start', async () => {
    // Prepare
    const first = bodyOf(await createJob(postJobs({ key: keyOf(1) }, { caller: ALICE }))).jobId as string;
    table.table.transition(first, 'PROCESSING', {}, 'test');
    table.table.transition(first, 'COMPLETED', {}, 'test');

    // Act
    const [a, b] = await Promise.all([
      createJob(postJobs({ key: keyOf(1), force: true }, { caller: ADMIN })),
      createJob(postJobs({ key: keyOf(1), force: true }, { caller: ADMIN })),
    ]);

    // Assess
    expect([a.statusCode, b.statusCode].sort()).toEqual([202, 409]);
    expect(machine.executions.size).toBe(2);
  });

  it('hands a transaction conflict back to SQS and starts the job exactly once, counted once, on redelivery', async () => {
    // Prepare: the first TransactWriteItems is cancelled by a concurrent transaction (transient).
    ddb.reset();
    const jobs = new InMemoryJobTable();
    let conflicts = 0;
    bridgeJobTable(ddb, jobs, (command) => {
      if (command === 'TransactWrite' && conflicts === 0) {
        conflicts += 1;
        throw new TransactionCanceledException({
          message: 'Transaction cancelled, please refer cancellation reasons for specific reasons [None, TransactionConflict, None]',
          $metadata: { httpStatusCode: 400 },
          CancellationReasons: [{ Code: 'None' }, { Code: 'TransactionConflict' }, { Code: 'None' }],
        });
      }
    }, limits);

    // Act
    const first = await startWorkflow(s3Event(keyOf(1), 'v1', 'm-1'));
    const redelivered = await startWorkflow(s3Event(keyOf(1), 'v1', 'm-1'));

    // Assess
    expect(first).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-1' }] });
    expect(redelivered).toEqual({ batchItemFailures: [] });
    expect(sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
    expect(limits.count(OWNER, TODAY)).toBe(1);
    expect(jobs.size).toBe(1);
  });
});
