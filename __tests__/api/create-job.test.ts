import { HeadObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../handlers/create-job';
import { chooseProfile, profilePolicyFromEnv } from '../../handlers/plan-transcode/profiles/choice';
import { errorResponse } from '../../handlers/shared/http';
import { JOB_ID_PATTERN } from '../../handlers/shared/job';
import { logger, silentLog } from '../../handlers/shared/logger';
import { postJobs, bodyOf } from '../fixtures/api-events';
import { HANDLER_ENV } from '../helpers/real-workflow';
import { FakeJobsTable } from '../helpers/jobs-table';
import { FakeStateMachine } from './fake-aws';

const KEY = 'uploads/2026/11/29/clip.mp4';

const s3 = mockClient(S3Client);
const ddb = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);
let table: FakeJobsTable;
let machine: FakeStateMachine;

beforeAll(() => {
  Object.assign(process.env, HANDLER_ENV);
  logger.setLogLevel('SILENT');
});

beforeEach(() => {
  s3.reset();
  ddb.reset();
  sfn.reset();
  table = new FakeJobsTable(ddb);
  machine = new FakeStateMachine(sfn);
  s3.on(HeadObjectCommand).resolves({ ContentLength: 1_048_576, ETag: '"9b2cf535f27731c974343645a3985328"', VersionId: 'v1' });
});

describe('POST /jobs', () => {
  it('answers 202 and starts one execution named after the job id', async () => {
    // Prepare
    const event = postJobs({ key: KEY }, { requestId: 'req-create-1' });

    // Act
    const res = await handler(event);

    // Assess
    expect(res.statusCode).toBe(202);
    const body = bodyOf(res);
    expect(body).toEqual({ jobId: expect.stringMatching(JOB_ID_PATTERN), status: 'QUEUED', statusUrl: `/jobs/${body.jobId}`, requestId: 'req-create-1' });
    expect(res.headers).toMatchObject({
      'content-type': 'application/json; charset=utf-8',
      'x-request-id': 'req-create-1',
      location: `/jobs/${body.jobId}`,
    });
    expect(s3).toHaveReceivedCommandWith(HeadObjectCommand, { Bucket: HANDLER_ENV.SOURCE_BUCKET, Key: KEY });
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      TableName: HANDLER_ENV.JOBS_TABLE_NAME,
      ConditionExpression: 'attribute_not_exists(jobId)',
      Item: expect.objectContaining({
        jobId: body.jobId,
        status: 'QUEUED',
        trigger: 'api',
        source: { bucket: HANDLER_ENV.SOURCE_BUCKET, key: KEY, versionId: 'v1', etag: '9b2cf535f27731c974343645a3985328', size: 1_048_576 },
      }),
    });
    expect(sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn: HANDLER_ENV.STATE_MACHINE_ARN,
      name: body.jobId,
      input: expect.stringContaining(`"jobId":"${body.jobId}"`),
    });
    expect(table.items.get(body.jobId)?.executionArn).toBe(
      `arn:aws:states:eu-west-1:123456789012:execution:video-workflow-test:${body.jobId}`,
    );
  });

  it('stores the chosen profile and metadata on the job and in the execution input', async () => {
    // Act
    const res = await handler(postJobs({ key: KEY, profile: 'premium', metadata: { campaign: 'spring' } }));

    // Assess
    expect(res.statusCode).toBe(202);
    const { jobId } = bodyOf(res) as { jobId: string };
    expect(table.items.get(jobId)).toMatchObject({ profile: 'premium', userMetadata: { campaign: 'spring' } });
    const input = JSON.parse(sfn.commandCalls(StartExecutionCommand)[0].args[0].input.input!) as Record<string, unknown>;
    expect(input).toMatchObject({ profile: 'premium', userMetadata: { campaign: 'spring' } });
  });

  it.each([
    [{ profile: 'ultra' }, 'UNKNOWN_PROFILE', 'profile: unknown profile "ultra"; allowed: standard, premium, social, auto-abr', 'profile'],
    [{ metadata: { jobid: 'x' } }, 'INVALID_REQUEST', 'metadata.jobid: keys jobid, workflow, profile are reserved', undefined],
  ])('answers 400 naming the field for %j', async (extra, code, message, field) => {
    // Act
    const res = await handler(postJobs({ key: KEY, ...extra }));

    // Assess
    expect(res.statusCode).toBe(400);
    expect(bodyOf(res)).toMatchObject({ error: { code, message: expect.stringContaining(message), ...(field ? { field } : {}) } });
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  it('answers 400 PROFILE_NOT_ALLOWED listing the allowed profiles (deployment policy from the environment)', () => {
    // Prepare
    const policy = profilePolicyFromEnv({ DEFAULT_PROFILE: 'standard', ALLOWED_PROFILES: 'standard, social' });

    // Act
    let rejection: unknown;
    try {
      chooseProfile('premium', policy);
    } catch (error) {
      rejection = error;
    }
    const res = errorResponse(rejection, 'req-1', silentLog);

    // Assess
    expect(policy).toEqual({ defaultProfile: 'standard', allowedProfiles: ['standard', 'social'] });
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body as string)).toMatchObject({
      error: { code: 'PROFILE_NOT_ALLOWED', message: 'profile: profile "premium" is not allowed here; allowed: standard, social', field: 'profile' },
    });
    expect(() => profilePolicyFromEnv({ DEFAULT_PROFILE: 'premium', ALLOWED_PROFILES: 'standard' })).toThrow('Environment variable DEFAULT_PROFILE (premium) is not in ALLOWED_PROFILES');
    expect(() => profilePolicyFromEnv({ ALLOWED_PROFILES: 'standard,ultra' })).toThrow('Environment variable ALLOWED_PROFILES names unknown profiles: ultra');
  });

  it('answers 200 with the existing job for a duplicate, without a second execution', async () => {
    // Prepare
    const first = await handler(postJobs({ key: KEY }));

    // Act
    const second = await handler(postJobs({ key: KEY }, { requestId: 'req-dup' }));

    // Assess
    expect(first.statusCode).toBe(202);
    expect(second.statusCode).toBe(200);
    const job = bodyOf(second);
    expect(job).toMatchObject({
      jobId: bodyOf(first).jobId,
      status: 'QUEUED',
      trigger: 'api',
      source: { key: KEY, versionId: 'v1', size: 1_048_576 },
      statusUrl: `/jobs/${bodyOf(first).jobId}`,
      requestId: 'req-dup',
    });
    // Callers never see bucket names or execution ARNs.
    expect(second.body).not.toContain(HANDLER_ENV.SOURCE_BUCKET);
    expect(second.body).not.toContain('arn:aws');
    expect(sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
  });

  it('starts a new job and a new run with force: true', async () => {
    // Prepare
    const first = await handler(postJobs({ key: KEY }));

    // Act
    const forced = await handler(postJobs({ key: KEY, force: true }));

    // Assess
    expect(forced.statusCode).toBe(202);
    expect(bodyOf(forced).jobId).toMatch(JOB_ID_PATTERN);
    expect(bodyOf(forced).jobId).not.toBe(bodyOf(first).jobId);
    expect(sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 2);
    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, { name: bodyOf(forced).jobId });
    expect(machine.executions.size).toBe(2);
  });

  it('passes an explicit versionId to HeadObject', async () => {
    // Act
    const res = await handler(postJobs({ key: KEY, versionId: 'v0-older' }));

    // Assess
    expect(res.statusCode).toBe(202);
    expect(s3).toHaveReceivedCommandWith(HeadObjectCommand, { Bucket: HANDLER_ENV.SOURCE_BUCKET, Key: KEY, VersionId: 'v0-older' });
  });

  it('answers 404 (not 500) for a well-formed versionId S3 rejects as invalid', async () => {
    // Prepare: HeadObject answers an unknown version id with 400 InvalidArgument (no body on HEAD)
    s3.on(HeadObjectCommand, { VersionId: 'BogusVersion123' }).rejects(
      new S3ServiceException({ name: 'BadRequest', $fault: 'client', message: 'Bad Request', $metadata: { httpStatusCode: 400 } }),
    );

    // Act
    const res = await handler(postJobs({ key: KEY, versionId: 'BogusVersion123' }));

    // Assess
    expect(res.statusCode).toBe(404);
    expect(bodyOf(res).error).toMatchObject({ code: 'SOURCE_NOT_FOUND', field: 'key' });
    expect(ddb).not.toHaveReceivedCommand(PutCommand);
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  it('decodes a base64-encoded body', async () => {
    // Act
    const res = await handler(postJobs({ key: KEY }, { base64: true }));

    // Assess
    expect(res.statusCode).toBe(202);
    expect(s3).toHaveReceivedCommandWith(HeadObjectCommand, { Key: KEY });
  });

  it('gives two concurrent requests for one key one 202, one 200 and one execution', async () => {
    // Act
    const responses = await Promise.all([handler(postJobs({ key: KEY })), handler(postJobs({ key: KEY }))]);

    // Assess
    expect(responses.map((r) => r.statusCode).sort()).toEqual([200, 202]);
    const ids = new Set(responses.map((r) => bodyOf(r).jobId));
    expect(ids.size).toBe(1);
    expect(ddb).toHaveReceivedCommandTimes(PutCommand, 2);
    // The loser may repeat StartExecution (same name, same input): Step Functions keeps one execution.
    expect(machine.executions.size).toBe(1);
    expect([...machine.executions.keys()]).toEqual([...ids]);
  });

  it('answers 404 naming the key when the object does not exist', async () => {
    // Prepare
    s3.on(HeadObjectCommand).rejects(Object.assign(new Error('NotFound'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } }));

    // Act
    const res = await handler(postJobs({ key: 'uploads/missing.mp4' }, { requestId: 'req-404' }));

    // Assess
    expect(res.statusCode).toBe(404);
    expect(bodyOf(res)).toEqual({
      error: { code: 'SOURCE_NOT_FOUND', message: 'key: no such object in the source bucket', field: 'key' },
      requestId: 'req-404',
    });
    expect(ddb).not.toHaveReceivedCommand(PutCommand);
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  it('answers 422 for an empty object without creating a job', async () => {
    // Prepare
    s3.on(HeadObjectCommand).resolves({ ContentLength: 0, ETag: '"d41d8cd98f00b204e9800998ecf8427e"' });

    // Act
    const res = await handler(postJobs({ key: KEY }));

    // Assess
    expect(res.statusCode).toBe(422);
    expect(bodyOf(res).error).toEqual({ code: 'UNSUPPORTED_MEDIA', message: 'Source object is empty (0 bytes)' });
    expect(ddb).not.toHaveReceivedCommand(PutCommand);
  });

  it('hides AWS error text behind a generic 500 that quotes the request id', async () => {
    // Prepare
    s3.on(HeadObjectCommand).rejects(
      Object.assign(new Error('User: arn:aws:sts::123456789012:assumed-role/x is not authorized to perform: s3:GetObject'), {
        name: 'AccessDenied',
        $metadata: { httpStatusCode: 403 },
      }),
    );

    // Act
    const res = await handler(postJobs({ key: KEY }, { requestId: 'req-500' }));

    // Assess
    expect(res.statusCode).toBe(500);
    expect(bodyOf(res)).toEqual({
      error: { code: 'INTERNAL_ERROR', message: 'Internal error; quote request id req-500' },
      requestId: 'req-500',
    });
    expect(res.body).not.toMatch(/arn:aws|AccessDenied|stack/i);
    expect(res.headers?.['x-request-id']).toBe('req-500');
  });

  it('tags every log line of the request with the request id', async () => {
    // Prepare
    const appendKeys = jest.spyOn(logger, 'appendKeys');

    // Act
    const res = await handler(postJobs({ key: KEY }, { requestId: 'req-log' }));

    // Assess
    expect(appendKeys).toHaveBeenCalledWith({ requestId: 'req-log', route: 'POST /jobs' });
    expect(appendKeys).toHaveBeenCalledWith({ jobId: bodyOf(res).jobId });
    appendKeys.mockRestore();
  });

  describe('rejects bad requests without touching AWS', () => {
    const longKey = `uploads/${'a'.repeat(1020)}.mp4`;
    // Every row has all six columns: jest passes a `done` callback to a test function with more parameters than the row.
    const cases: Array<[string, unknown, number, string, string, boolean]> = [
      ['a bucket field', { key: KEY, bucket: 'someone-elses-bucket' }, 400, 'INVALID_REQUEST', 'bucket', false],
      ['an unknown field', { key: KEY, priority: 'high' }, 400, 'INVALID_REQUEST', 'priority', false],
      ['a "../" key', { key: 'uploads/../secrets/clip.mp4' }, 422, 'INVALID_SOURCE_KEY', 'key', false],
      ['an absolute key', { key: '/uploads/clip.mp4' }, 422, 'INVALID_SOURCE_KEY', 'key', false],
      ['an empty key', { key: '' }, 400, 'INVALID_REQUEST', 'key', false],
      ['a missing key', { versionId: 'v1' }, 400, 'INVALID_REQUEST', 'key', false],
      ['a non-string key', { key: 42 }, 400, 'INVALID_REQUEST', 'key', false],
      ['a key over 1024 bytes', { key: longKey }, 422, 'INVALID_SOURCE_KEY', 'key', false],
      ['an unknown extension', { key: 'uploads/clip.exe' }, 422, 'INVALID_SOURCE_KEY', 'key', false],
      ['a key outside the source prefix', { key: 'private/clip.mp4' }, 422, 'INVALID_SOURCE_KEY', 'key', false],
      ['force as a string', { key: KEY, force: 'yes' }, 400, 'INVALID_REQUEST', 'force', false],
      ['an empty versionId', { key: KEY, versionId: '' }, 400, 'INVALID_REQUEST', 'versionId', false],
      ['a versionId that is not URL-ready (S3 never issues one)', { key: KEY, versionId: 'v1/../../x y' }, 400, 'INVALID_REQUEST', 'versionId', false],
      ['a key with a right-to-left override', { key: 'uploads/clip\u202egpj.mp4' }, 422, 'INVALID_SOURCE_KEY', 'key', false],
      ['a JSON array', [KEY], 400, 'INVALID_REQUEST', 'body', false],
      ['invalid JSON', '{"key": "uploads/clip.mp4",', 400, 'INVALID_REQUEST', 'body', false],
      ['a missing body', undefined, 400, 'INVALID_REQUEST', 'body', false],
      ['an oversized body', { key: KEY, padding: 'x'.repeat(5000) }, 413, 'PAYLOAD_TOO_LARGE', 'body', false],
      ['an oversized base64 body', { key: KEY, padding: 'x'.repeat(5000) }, 413, 'PAYLOAD_TOO_LARGE', 'body', true],
    ];

    it.each(cases)('%s', async (_name, body, status, code, field, base64) => {
      // Act
      const res = await handler(postJobs(body, { base64 }));

      // Assess
      expect(res.statusCode).toBe(status);
      const error = bodyOf(res).error;
      expect(error.code).toBe(code);
      expect(error.message).toMatch(new RegExp(`^${field}: `));
      expect(res.headers?.['content-type']).toBe('application/json; charset=utf-8');
      expect(s3).not.toHaveReceivedCommand(HeadObjectCommand);
      expect(ddb).not.toHaveReceivedCommand(PutCommand);
      expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
    });

    it('names the limit for an oversized body', async () => {
      // Act
      const res = await handler(postJobs({ key: KEY, padding: 'x'.repeat(5000) }));

      // Assess
      expect(bodyOf(res).error.message).toContain('the limit is 4096 bytes');
    });

    it('does not look up the table for an invalid request', async () => {
      // Act
      await handler(postJobs({ key: KEY, bucket: 'x' }));

      // Assess
      expect(ddb).not.toHaveReceivedCommand(GetCommand);
    });
  });
});
