import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../handlers/record-failure';
import { MAX_CAUSE_CHARS, normaliseError } from '../../handlers/record-failure/normalise';
import { logger } from '../../handlers/shared/logger';
import { conditionFailed, JOB_ID, jobRecord, sourceRef } from '../fixtures/events';

const ddbMock = mockClient(DynamoDBDocumentClient);
const eventsMock = mockClient(EventBridgeClient);

const lambdaCause = JSON.stringify({
  errorType: 'UnsupportedMedia',
  errorMessage: 'No video track in uploads/clip.mp4',
  trace: ['UnsupportedMedia: No video track', '    at probe (/var/task/index.js:1:2345)'],
});
const mediaConvertJob = {
  Id: '1767323100000-abc123',
  Status: 'ERROR',
  ErrorCode: 1010,
  ErrorMessage: 'Unable to open input file [s3://bucket/uploads/clip.mp4]',
  Settings: { OutputGroups: [] },
};

const finishedJob = (status: 'COMPLETED' | 'FAILED') =>
  jobRecord({ status, error: status === 'FAILED' ? { name: 'First', cause: 'first' } : undefined });

beforeAll(() => {
  Object.assign(process.env, { AWS_REGION: 'eu-west-1', JOBS_TABLE_NAME: 'jobs', EVENT_SOURCE: 'video-workflow.dev' });
  logger.setLogLevel('SILENT');
});

beforeEach(() => {
  ddbMock.reset();
  ddbMock.on(UpdateCommand).resolves({ Attributes: jobRecord({ status: 'FAILED' }) });
  eventsMock.reset();
  eventsMock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
});

describe('normaliseError', () => {
  it('takes errorType and errorMessage from a Lambda error, never the trace', () => {
    // Act
    const result = normaliseError({ Error: 'UnsupportedMedia', Cause: lambdaCause });
    // Assess
    expect(result).toEqual({ name: 'UnsupportedMedia', cause: 'No video track in uploads/clip.mp4' });
  });

  it('names a failed MediaConvert job and keeps its code and message', () => {
    // Act
    const result = normaliseError({ Error: 'States.TaskFailed', Cause: JSON.stringify(mediaConvertJob) });
    // Assess
    expect(result).toEqual({
      name: 'MediaConvertJobFailed',
      cause: 'MediaConvert error 1010: Unable to open input file [s3://bucket/uploads/clip.mp4]',
      mediaConvertError: { code: 1010, message: 'Unable to open input file [s3://bucket/uploads/clip.mp4]', mediaConvertJobId: '1767323100000-abc123' },
    });
  });

  it('also reads a MediaConvert job wrapped as {Job}', () => {
    // Act
    const result = normaliseError({ Error: 'MediaConvert.JobFailed', Cause: JSON.stringify({ Job: mediaConvertJob }) });
    // Assess
    expect(result.name).toBe('MediaConvertJobFailed');
    expect(result.mediaConvertError?.code).toBe(1010);
  });

  it('keeps a MediaConvert API error as it is', () => {
    // Act
    const result = normaliseError({ Error: 'MediaConvert.BadRequestException', Cause: 'Invalid queue ARN (Service: MediaConvert, Status Code: 400)' });
    // Assess
    expect(result).toEqual({ name: 'MediaConvert.BadRequestException', cause: 'Invalid queue ARN (Service: MediaConvert, Status Code: 400)' });
  });

  it('joins the QC failures', () => {
    // Act
    const result = normaliseError({ Error: 'QualityCheckFailed', Cause: JSON.stringify(['mp4 1080p is empty', 'hls master lists 2 of 3 renditions']) });
    // Assess
    expect(result).toEqual({ name: 'QualityCheckFailed', cause: 'mp4 1080p is empty; hls master lists 2 of 3 renditions' });
  });

  it.each(['QualityMetricsMissing', 'QualityBelowThreshold'])('joins the failures of a %s quality gate', (name) => {
    // Act
    const result = normaliseError({ Error: name, Cause: JSON.stringify([`${name}: rung master_720p`, `${name}: rung master_540p`]) });
    // Assess
    expect(result).toEqual({ name, cause: `${name}: rung master_720p; ${name}: rung master_540p` });
  });

  it.each([
    ['States.Timeout', 'Task timed out after 300.00 seconds'],
    ['States.TaskFailed', 'not json {'],
    ['SomethingNew', JSON.stringify({ unexpected: true })],
  ])('keeps %s and its cause verbatim', (name, cause) => {
    // Act + Assess
    expect(normaliseError({ Error: name, Cause: cause })).toEqual({ name, cause });
  });

  it('truncates the cause to 2,000 characters', () => {
    // Act
    const result = normaliseError({ Error: 'States.TaskFailed', Cause: 'x'.repeat(10_000) });
    // Assess
    expect(result.cause).toHaveLength(MAX_CAUSE_CHARS);
  });

  it('names an error without Error UnknownError', () => {
    expect(normaliseError({})).toEqual({ name: 'UnknownError', cause: '' });
  });
});

describe('record-failure handler', () => {
  it('writes FAILED with the normalised error and returns it in place of $.error', async () => {
    // Act
    const result = await handler({ jobId: JOB_ID, source: sourceRef(), error: { Error: 'UnsupportedMedia', Cause: lambdaCause } });
    // Assess
    expect(result).toEqual({ Error: 'UnsupportedMedia', Cause: 'No video track in uploads/clip.mp4' });
    expect(ddbMock).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: 'jobs',
      Key: { jobId: JOB_ID },
      ConditionExpression: 'attribute_exists(jobId) AND #status IN (:from0, :from1)',
      ExpressionAttributeValues: expect.objectContaining({
        ':to': 'FAILED',
        ':from0': 'QUEUED',
        ':from1': 'PROCESSING',
        ':f_error': { name: 'UnsupportedMedia', cause: 'No video track in uploads/clip.mp4' },
        ':f_finishedAt': expect.any(String),
      }),
    });
    expect(eventsMock).toHaveReceivedCommandTimes(PutEventsCommand, 1);
    const entry = eventsMock.commandCalls(PutEventsCommand)[0].args[0].input.Entries![0];
    expect(entry).toMatchObject({ Source: 'video-workflow.dev', DetailType: 'Video Job Failed', EventBusName: 'default' });
    expect(JSON.parse(entry.Detail!)).toMatchObject({ jobId: JOB_ID, status: 'FAILED' });
  });

  it('puts no Failed event for a job that had already COMPLETED', async () => {
    // Prepare
    ddbMock.on(UpdateCommand).rejects(conditionFailed(jobRecord({ status: 'COMPLETED' })));
    // Act
    await handler({ jobId: JOB_ID, source: sourceRef(), error: { Error: 'UnsupportedMedia', Cause: lambdaCause } });
    // Assess
    expect(eventsMock).not.toHaveReceivedCommand(PutEventsCommand);
  });

  it('stores mediaConvertError for a failed MediaConvert job', async () => {
    // Act
    await handler({ jobId: JOB_ID, source: sourceRef(), error: { Error: 'States.TaskFailed', Cause: JSON.stringify(mediaConvertJob) } });
    // Assess
    expect(ddbMock).toHaveReceivedCommandWith(UpdateCommand, {
      ExpressionAttributeValues: expect.objectContaining({
        ':f_mediaConvertError': { code: 1010, message: mediaConvertJob.ErrorMessage, mediaConvertJobId: mediaConvertJob.Id },
      }),
    });
  });

  it('keeps the measured quality of a job that failed the picture-quality gate on the FAILED record', async () => {
    // Prepare: what the QualityCheckFailed Pass state hands RecordFailure.
    const stats = { mean: 0.81, p5: 0.75, min: 0.74, worstSecond: 0.77, frames: 50 };
    const quality = { rungs: [{ name: 'master_360p', width: 640, height: 360, bitrate: 1_000_000, top: true, ssim: stats, psnr: { ...stats, mean: 23.5 } }] };
    const failure = 'QualityBelowThreshold: rung master_360p (640x360, top) SSIM 5th percentile is 0.75, below the threshold 0.9';

    // Act
    const result = await handler({ jobId: JOB_ID, source: sourceRef(), error: { Error: 'QualityBelowThreshold', Cause: JSON.stringify([failure]), quality } });

    // Assess
    expect(result).toEqual({ Error: 'QualityBelowThreshold', Cause: failure });
    expect(ddbMock).toHaveReceivedCommandWith(UpdateCommand, {
      ExpressionAttributeValues: expect.objectContaining({ ':f_error': { name: 'QualityBelowThreshold', cause: failure }, ':f_quality': quality }),
    });
  });

  it('records the failure without quality when the report is empty or malformed', async () => {
    for (const quality of [{ rungs: [] }, { rungs: [{ name: 'x' }] }]) {
      // Prepare
      ddbMock.resetHistory();
      // Act
      await handler({ jobId: JOB_ID, error: { Error: 'QualityMetricsMissing', Cause: '["QualityMetricsMissing: s3://o/j/hls/master_720p_SSIM.csv is missing"]', quality } });
      // Assess
      const values = ddbMock.commandCalls(UpdateCommand)[0].args[0].input.ExpressionAttributeValues!;
      expect(values[':f_error']).toEqual({ name: 'QualityMetricsMissing', cause: 'QualityMetricsMissing: s3://o/j/hls/master_720p_SSIM.csv is missing' });
      expect(values).not.toHaveProperty(':f_quality');
    }
  });

  it.each(['COMPLETED', 'FAILED'] as const)('does not overwrite a %s job and still returns the normalised error', async (status) => {
    // Prepare
    ddbMock.on(UpdateCommand).rejects(conditionFailed(finishedJob(status)));
    // Act
    const result = await handler({ jobId: JOB_ID, error: { Error: 'States.Timeout', Cause: 'late' } });
    // Assess
    expect(result).toEqual({ Error: 'States.Timeout', Cause: 'late' });
    expect(ddbMock).toHaveReceivedCommandTimes(UpdateCommand, 1);
  });

  it('returns the normalised error for a job that is not in the table', async () => {
    // Prepare
    ddbMock.on(UpdateCommand).rejects(conditionFailed());
    ddbMock.on(GetCommand).resolves({});
    // Act
    const result = await handler({ jobId: JOB_ID, error: { Error: 'States.Timeout', Cause: 'late' } });
    // Assess
    expect(result.Error).toBe('States.Timeout');
    expect(ddbMock).toHaveReceivedCommandWith(GetCommand, { Key: { jobId: JOB_ID }, ConsistentRead: true });
  });

  it('lets throttling through so the task retries', async () => {
    // Prepare
    ddbMock.on(UpdateCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    // Act
    const act = handler({ jobId: JOB_ID, error: { Error: 'States.Timeout' } });
    // Assess
    await expect(act).rejects.toMatchObject({ name: 'ThrottlingException' });
  });

  it('throws MalformedEvent for an invalid job id', async () => {
    // Act
    const act = handler({ jobId: '../etc', error: { Error: 'X' } });
    // Assess
    await expect(act).rejects.toMatchObject({ name: 'MalformedEvent' });
    expect(ddbMock).not.toHaveReceivedCommand(UpdateCommand);
  });
});
