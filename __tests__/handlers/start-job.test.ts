import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { HeadObjectCommand, NotFound, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { InvalidJobMetadata, InvalidSourceKey, ObjectNotFound, ProfileNotAllowed, UnknownProfile, UnsupportedMedia } from '../../handlers/shared/errors';
import { JOB_ID_PATTERN } from '../../handlers/shared/job';
import { DynamoJobStore } from '../../handlers/shared/job-store';
import { keyCandidates } from '../../handlers/shared/s3-key';
import { executionArnFor, jobIdFor, startJob, StartJobDeps, StartJobRequest } from '../../handlers/shared/start-job';
import { FIXED_NOW, SOURCE_BUCKET, STATE_MACHINE_ARN } from '../fixtures/events';
import { FakeJobsTable } from '../helpers/jobs-table';

const TABLE = 'jobs';
const ETAG = 'b1946ac92492d2347c6235b4d2611184';
const s3Mock = mockClient(S3Client);
const sfnMock = mockClient(SFNClient);
const ddbMock = mockClient(DynamoDBDocumentClient);

let table: FakeJobsTable;

function deps(overrides: Partial<StartJobDeps> = {}): StartJobDeps {
  return {
    store: new DynamoJobStore(DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' })), TABLE, () => FIXED_NOW),
    s3: new S3Client({ region: 'eu-west-1' }),
    sfn: new SFNClient({ region: 'eu-west-1' }),
    stateMachineArn: STATE_MACHINE_ARN,
    allowedExtensions: ['mp4', 'mov'],
    keyPrefix: 'uploads/',
    jobTtlDays: 30,
    now: () => FIXED_NOW,
    ...overrides,
  };
}

function request(overrides: Partial<StartJobRequest> = {}): StartJobRequest {
  return { bucket: SOURCE_BUCKET, keyCandidates: ['uploads/clip.mp4'], versionId: 'v1', expectedEtag: ETAG, trigger: 's3', ...overrides };
}

const notFound = () => new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } });

beforeEach(() => {
  s3Mock.reset();
  sfnMock.reset();
  ddbMock.reset();
  table = new FakeJobsTable(ddbMock);
  s3Mock.on(HeadObjectCommand).resolves({ ContentLength: 2048, ETag: `"${ETAG}"`, VersionId: 'v1' });
  sfnMock.on(StartExecutionCommand).callsFake((input: { name: string }) => ({ executionArn: executionArnFor(STATE_MACHINE_ARN, input.name) }));
});

describe('jobIdFor', () => {
  it('is 32 lowercase hex, deterministic, and changes with any part or a force nonce', () => {
    // Act
    const id = jobIdFor('b', 'k', 'v');
    // Assess
    expect(id).toMatch(JOB_ID_PATTERN);
    expect(jobIdFor('b', 'k', 'v')).toBe(id);
    expect(jobIdFor('b', 'k', 'v2')).not.toBe(id);
    expect(jobIdFor('b', 'k2', 'v')).not.toBe(id);
    expect(jobIdFor('b', 'k', 'v', 'nonce')).not.toBe(id);
    // Parts cannot run into each other.
    expect(jobIdFor('ab', 'c', 'v')).not.toBe(jobIdFor('a', 'bc', 'v'));
  });
});

describe('startJob', () => {
  it('creates a QUEUED record and starts the execution named after the job id', async () => {
    // Prepare
    const jobId = jobIdFor(SOURCE_BUCKET, 'uploads/clip.mp4', 'v1');
    const source = { bucket: SOURCE_BUCKET, key: 'uploads/clip.mp4', etag: ETAG, size: 2048, versionId: 'v1' };
    // Act
    const result = await startJob(request(), deps());
    // Assess
    expect(result.created).toBe(true);
    expect(result.job).toMatchObject({ jobId, status: 'QUEUED', executionArn: executionArnFor(STATE_MACHINE_ARN, jobId) });
    expect(s3Mock).toHaveReceivedCommandWith(HeadObjectCommand, { Bucket: SOURCE_BUCKET, Key: 'uploads/clip.mp4', VersionId: 'v1' });
    expect(ddbMock).toHaveReceivedCommandWith(PutCommand, {
      TableName: TABLE,
      Item: {
        jobId,
        status: 'QUEUED',
        trigger: 's3',
        // Not an upload key (uploads/<owner-id>/<uuid>/<name>): a direct bucket write.
        owner: 'system',
        source,
        profile: 'standard',
        createdAt: FIXED_NOW.toISOString(),
        updatedAt: FIXED_NOW.toISOString(),
        expiresAt: Math.floor(FIXED_NOW.getTime() / 1000) + 30 * 86_400,
      },
      ConditionExpression: 'attribute_not_exists(jobId)',
    });
    expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
    expect(sfnMock).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn: STATE_MACHINE_ARN,
      name: jobId,
      input: JSON.stringify({ jobId, source, trigger: 's3', createdAt: FIXED_NOW.toISOString(), profile: 'standard', userMetadata: {} }),
    });
    expect(table.get(jobId)?.executionArn).toBe(executionArnFor(STATE_MACHINE_ARN, jobId));
  });

  it('starts one execution for the same event twice and returns the existing job the second time', async () => {
    // Act
    const first = await startJob(request(), deps());
    const second = await startJob(request(), deps());
    // Assess
    expect(first.created).toBe(true);
    expect(second).toEqual({ created: false, job: first.job });
    expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
  });

  it('restarts a job left QUEUED without an execution (a previous attempt died after the put)', async () => {
    // Prepare
    sfnMock.on(StartExecutionCommand).rejectsOnce(new Error('socket hang up'));
    await expect(startJob(request(), deps())).rejects.toThrow('socket hang up');
    const jobId = jobIdFor(SOURCE_BUCKET, 'uploads/clip.mp4', 'v1');
    expect(table.get(jobId)?.executionArn).toBeUndefined();
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: executionArnFor(STATE_MACHINE_ARN, jobId) });
    // Act
    const retry = await startJob(request(), deps());
    // Assess
    expect(retry.created).toBe(false);
    expect(retry.job.executionArn).toBe(executionArnFor(STATE_MACHINE_ARN, jobId));
    expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 2);
    const [firstStart, secondStart] = sfnMock.commandCalls(StartExecutionCommand).map((c) => c.args[0].input);
    expect(secondStart).toEqual(firstStart); // same name, same input: the restart is idempotent
    expect(secondStart.name).toBe(jobId);
    expect(table.get(jobId)?.executionArn).toBe(executionArnFor(STATE_MACHINE_ARN, jobId));
  });

  it('counts ExecutionAlreadyExists as started (a racing request won)', async () => {
    // Prepare
    sfnMock.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));
    const jobId = jobIdFor(SOURCE_BUCKET, 'uploads/clip.mp4', 'v1');
    // Act
    const result = await startJob(request(), deps());
    // Assess
    expect(result.job.executionArn).toBe(`arn:aws:states:eu-west-1:123456789012:execution:video-workflow-dev:${jobId}`);
    expect(ddbMock).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { jobId },
      ExpressionAttributeValues: { ':arn': `arn:aws:states:eu-west-1:123456789012:execution:video-workflow-dev:${jobId}` },
    });
  });

  it('starts exactly one execution name for two concurrent requests', async () => {
    // Act
    const [a, b] = await Promise.all([startJob(request(), deps()), startJob(request(), deps())]);
    // Assess
    expect([a.created, b.created].sort()).toEqual([false, true]);
    const names = new Set(sfnMock.commandCalls(StartExecutionCommand).map((c) => c.args[0].input.name));
    expect(names.size).toBe(1);
  });

  it('resolves a raw EventBridge key with a literal "+" by the ETag match', async () => {
    // Prepare: "a b.mp4" exists too, but with other content.
    s3Mock.on(HeadObjectCommand, { Key: 'uploads/a b.mp4' }).resolves({ ContentLength: 9, ETag: '"other"', VersionId: 'v1' });
    s3Mock.on(HeadObjectCommand, { Key: 'uploads/a+b.mp4' }).resolves({ ContentLength: 2048, ETag: `"${ETAG}"`, VersionId: 'v1' });
    // Act
    const result = await startJob(request({ keyCandidates: keyCandidates('uploads/a+b.mp4') }), deps());
    // Assess
    expect(result.job.source.key).toBe('uploads/a+b.mp4');
    expect(result.job.jobId).toBe(jobIdFor(SOURCE_BUCKET, 'uploads/a+b.mp4', 'v1'));
    expect(s3Mock).toHaveReceivedCommandTimes(HeadObjectCommand, 2);
  });

  it('uses the decoded key when only it exists', async () => {
    // Prepare
    s3Mock.on(HeadObjectCommand, { Key: 'uploads/my clipé.MOV' }).resolves({ ContentLength: 10, ETag: `"${ETAG}"` });
    s3Mock.on(HeadObjectCommand, { Key: 'uploads/my+clip%C3%A9.MOV' }).rejects(notFound());
    // Act
    const result = await startJob(request({ keyCandidates: keyCandidates('uploads/my+clip%C3%A9.MOV') }), deps());
    // Assess
    expect(result.job.source.key).toBe('uploads/my clipé.MOV');
    expect(s3Mock).toHaveReceivedCommandTimes(HeadObjectCommand, 1);
  });

  it('pins the version HeadObject reports when the request names none (API path)', async () => {
    // Prepare
    s3Mock.on(HeadObjectCommand).resolves({ ContentLength: 2048, ETag: `"${ETAG}"`, VersionId: 'v7' });
    // Act
    const result = await startJob(request({ versionId: undefined, expectedEtag: undefined, trigger: 'api' }), deps());
    // Assess
    expect(result.job.source.versionId).toBe('v7');
    expect(result.job.jobId).toBe(jobIdFor(SOURCE_BUCKET, 'uploads/clip.mp4', 'v7'));
  });

  it('uses the ETag as the version of an unversioned bucket', async () => {
    // Prepare
    s3Mock.on(HeadObjectCommand).resolves({ ContentLength: 2048, ETag: `"${ETAG}"` });
    // Act
    const result = await startJob(request({ versionId: undefined }), deps());
    // Assess
    expect(result.job.source).not.toHaveProperty('versionId');
    expect(result.job.jobId).toBe(jobIdFor(SOURCE_BUCKET, 'uploads/clip.mp4', ETAG));
  });

  it('creates a separate job when forced', async () => {
    // Act
    const first = await startJob(request(), deps());
    const forced = await startJob(request({ force: true, trigger: 'api' }), deps());
    // Assess
    expect(forced.created).toBe(true);
    expect(forced.job.jobId).not.toBe(first.job.jobId);
    expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 2);
  });

  it('throws InvalidSourceKey before touching S3', async () => {
    // Act
    const act = startJob(request({ keyCandidates: ['other/clip.mp4'] }), deps());
    // Assess
    await expect(act).rejects.toBeInstanceOf(InvalidSourceKey);
    await expect(act).rejects.toThrow('outside the prefix "uploads/"');
    expect(s3Mock).not.toHaveReceivedCommand(HeadObjectCommand);
  });

  it('throws ObjectNotFound with bucket and key when no candidate exists', async () => {
    // Prepare
    s3Mock.on(HeadObjectCommand).rejects(notFound());
    // Act
    const act = startJob(request(), deps());
    // Assess
    await expect(act).rejects.toBeInstanceOf(ObjectNotFound);
    await expect(act).rejects.toMatchObject({ context: { bucket: SOURCE_BUCKET, key: 'uploads/clip.mp4', versionId: 'v1' } });
    expect(ddbMock).not.toHaveReceivedCommand(PutCommand);
  });

  it('throws ObjectNotFound when the object was replaced since the event (ETag differs)', async () => {
    // Prepare
    s3Mock.on(HeadObjectCommand).resolves({ ContentLength: 5, ETag: '"newer"' });
    // Act
    const act = startJob(request({ versionId: undefined }), deps());
    // Assess
    await expect(act).rejects.toMatchObject({ name: 'ObjectNotFound', context: { expectedEtag: ETAG, foundEtag: 'newer' } });
  });

  it('throws UnsupportedMedia for a zero-byte object and starts nothing', async () => {
    // Prepare
    s3Mock.on(HeadObjectCommand).resolves({ ContentLength: 0, ETag: `"${ETAG}"`, VersionId: 'v1' });
    // Act
    const act = startJob(request(), deps());
    // Assess
    await expect(act).rejects.toBeInstanceOf(UnsupportedMedia);
    expect(ddbMock).not.toHaveReceivedCommand(PutCommand);
    expect(sfnMock).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  it('lets S3 errors other than 404 through (they are not "not found")', async () => {
    // Prepare
    const slowDown = new S3ServiceException({ name: 'SlowDown', $fault: 'server', message: 'Slow Down', $metadata: { httpStatusCode: 503 } });
    s3Mock.on(HeadObjectCommand).rejects(slowDown);
    // Act
    const act = startJob(request(), deps());
    // Assess
    await expect(act).rejects.toBe(slowDown);
  });
});

describe('startJob: profile and metadata', () => {
  const POLICY = { defaultProfile: 'standard', allowedProfiles: ['standard', 'social'] };
  const head = (Metadata: Record<string, string> = {}) =>
    s3Mock.on(HeadObjectCommand).resolves({ ETag: `"${ETAG}"`, ContentLength: 2048, VersionId: 'v1', Metadata });
  const started = () => JSON.parse(sfnMock.commandCalls(StartExecutionCommand)[0].args[0].input.input!) as { profile: string; userMetadata: Record<string, string> };

  it('takes x-amz-meta-profile and x-amz-meta-job-* pairs from an uploaded object', async () => {
    // Prepare
    head({ profile: 'social', 'job-campaign': 'spring', 'job-cms-id': '42', other: 'ignored' });
    // Act
    const result = await startJob(request(), deps({ profiles: POLICY }));
    // Assess
    expect(result.job).toMatchObject({ profile: 'social', userMetadata: { campaign: 'spring', 'cms-id': '42' } });
    expect(started()).toMatchObject({ profile: 'social', userMetadata: { campaign: 'spring', 'cms-id': '42' } });
  });

  it('lets a request choose over the object and defaults to the deployment default', async () => {
    // Prepare
    head({ profile: 'social' });
    // Act
    const chosen = await startJob(request({ trigger: 'api', profile: 'standard', userMetadata: { a: 'b' } }), deps({ profiles: POLICY }));
    // Assess
    expect(chosen.job).toMatchObject({ profile: 'standard', userMetadata: { a: 'b' } });

    // Prepare
    s3Mock.reset();
    head();
    // Act
    const defaulted = await startJob(request({ keyCandidates: ['uploads/other.mp4'] }), deps({ profiles: { defaultProfile: 'social', allowedProfiles: ['social'] } }));
    // Assess
    expect(defaulted.job.profile).toBe('social');
    expect(defaulted.job.userMetadata).toBeUndefined();
  });

  it.each([
    ['a profile not allowed here', { profile: 'premium' }, ProfileNotAllowed, 'x-amz-meta-profile: profile "premium" is not allowed here; allowed: standard, social'],
    ['an unknown profile', { profile: 'ultra' }, UnknownProfile, 'x-amz-meta-profile: unknown profile "ultra"; allowed: standard, social'],
    ['a reserved metadata key', { 'job-jobid': 'x' }, InvalidJobMetadata, 'x-amz-meta-job-jobid: keys jobid, workflow, profile are reserved'],
    ['too many pairs', Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`job-k${i}`, 'v'])), InvalidJobMetadata, 'x-amz-meta-job-*: at most 10 pairs (got 11)'],
  ])('rejects %s before creating a record', async (_name, metadata, type, message) => {
    // Prepare
    head(metadata);
    // Act
    const act = startJob(request(), deps({ profiles: POLICY }));
    // Assess
    await expect(act).rejects.toBeInstanceOf(type);
    await expect(act).rejects.toThrow(message);
    expect(ddbMock).toHaveReceivedCommandTimes(PutCommand, 0);
    expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 0);
  });
});
