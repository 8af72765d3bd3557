/**
 * Phase 2: the same ASL, executed with the real handlers (their exported `handler`) over
 * mocked AWS SDK clients. extract-metadata parses a committed fixture through ranged
 * GetObject calls; the Transcode (.sync) result is a MediaConvert `Job` built from the real
 * plan-transcode output.
 */
import * as path from 'node:path';
import { CopyObjectCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { jobRecord } from '../fixtures/events';
import { mockClient } from 'aws-sdk-client-mock';
import { logger } from '../../handlers/shared/logger';
import { executionArnOf, runWorkflow, SOURCE_BUCKET, TEST_JOB_ID, TEST_SUBSTITUTIONS, workflowInput } from '../helpers/asl-harness';
import { ARCHIVE_BUCKET, HANDLER_ENV, healthyServices, MEDIA_DIR, realWorkflow, serveSource, type Captured } from '../helpers/real-workflow';

const s3Mock = mockClient(S3Client);
const ddbMock = mockClient(DynamoDBDocumentClient);
const snsMock = mockClient(SNSClient);

/**
 * The real handler of every Lambda state, QualityControl included (over the outputs the plan
 * names); the handlers' DocumentClient calls are the mocked ones asserted below, not bridged.
 */
function realHandlers(captured: Captured, withPaths = true) {
  return realWorkflow(ddbMock, captured, { qualityControl: 'real', s3: s3Mock, bridgeTable: false, withPaths });
}

beforeAll(() => {
  Object.assign(process.env, HANDLER_ENV);
  logger.setLogLevel('SILENT');
});

beforeEach(() => {
  s3Mock.reset();
  ddbMock.reset();
  snsMock.reset();
  // ALL_NEW: the whole record, as DynamoDB answers (publish builds the notification's public view from it).
  ddbMock.on(UpdateCommand).resolves({ Attributes: jobRecord({ jobId: TEST_JOB_ID, status: 'COMPLETED' }) });
  healthyServices(s3Mock, snsMock);
});

describe('the workflow with the real handlers', () => {
  it.each([
    ['with file paths and group types (as the COMPLETE event reports them)', true],
    ['in the GetJob model shape (durations and sizes only)', false],
  ])('success: a real landscape MP4 through the real probe, plan, QC, publish and archive; Job %s', async (_shape, withPaths) => {
    // Prepare
    const { size } = serveSource(s3Mock, path.join(MEDIA_DIR, 'landscape.mp4'));
    const input = workflowInput({ source: { ...workflowInput().source, size } });
    const captured: Captured = { transcodeRequests: [] };
    const { lambdas, transcode } = realHandlers(captured, withPaths);

    // Act
    const run = await runWorkflow({ input, lambdas, tasks: { Transcode: transcode } });

    // Assess: path and budget
    expect(run.error).toBeUndefined();
    expect(run.status).toBe('SUCCEEDED');
    expect(run.states).toEqual(['RecordStart', 'ExtractMetadata', 'PlanTranscode', 'PinSource', 'Transcode', 'QualityControl', 'Quality passed?', 'Publish', 'ArchiveSource', 'Done']);
    expect(run.lambdaInvocations).toBe(6);
    expect(run.transitions).toBe(10);

    // Assess: real metadata and plan flowed through the state
    expect(captured.metadata).toMatchObject({ container: 'MPEG-4', width: 320, height: 180, videoCodec: 'AVC', audioTrackCount: 1 });
    expect(s3Mock).toHaveReceivedCommandWith(GetObjectCommand, {
      Bucket: SOURCE_BUCKET,
      Key: input.source.key,
      VersionId: input.source.versionId,
      Range: `bytes=0-${size - 1}`,
    });
    expect(captured.transcodeRequests).toEqual([
      expect.objectContaining({ Settings: captured.plan!.settings, AccelerationSettings: { Mode: 'DISABLED' }, UserMetadata: { jobId: TEST_JOB_ID, workflow: TEST_SUBSTITUTIONS.WorkflowName, profile: 'standard' } }),
    ]);
    expect(run.output).toMatchObject({ qc: { passed: true, failures: [] } });
    expect((run.output as { qc: { checks: unknown[] } }).qc.checks).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'rung:320x180', passed: true }),
        expect.objectContaining({ name: 'manifest:320x180', passed: true }),
        expect.objectContaining({ name: 'thumbnails', passed: true }),
      ]),
    );

    // Assess: publish's conditional COMPLETED write and its notification
    expect(ddbMock).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: TEST_SUBSTITUTIONS.JobsTableName,
      Key: { jobId: TEST_JOB_ID },
      ConditionExpression: 'attribute_exists(jobId) AND #status IN (:from0)',
      ExpressionAttributeValues: expect.objectContaining({
        ':to': 'COMPLETED',
        ':from0': 'PROCESSING',
        ':f_mediaConvertJobId': '1732870000000-real01',
        ':f_outputs': {
          mp4: [captured.plan!.expectedOutputs.find((o) => o.kind === 'mp4')!.uri],
          hls: captured.plan!.expectedOutputs.find((o) => o.kind === 'hls-master')!.uri,
          // Without paths in the Job (GetJob shape), publish takes the thumbnails QC listed.
          thumbnails: [expect.stringMatching(/thumb\.0000000\.jpg$/)],
        },
      }),
    });
    expect(snsMock).toHaveReceivedCommandWith(PublishCommand, {
      TopicArn: TEST_SUBSTITUTIONS.NotificationTopicArn,
      Message: expect.stringContaining('"event":"JOB_COMPLETED"'),
    });

    // Assess: pin-source copied the probed version to the job-scoped key the plan's FileInput names
    const pinnedKey = `work/${TEST_JOB_ID}/source.mp4`;
    expect(s3Mock).toHaveReceivedCommandWith(CopyObjectCommand, {
      Bucket: ARCHIVE_BUCKET,
      Key: pinnedKey,
      CopySource: `${SOURCE_BUCKET}/${input.source.key}?versionId=${input.source.versionId}`,
      CopySourceIfMatch: `"${input.source.etag}"`,
      StorageClass: 'STANDARD',
    });
    expect(captured.plan!.settings).toMatchObject({ Inputs: [{ FileInput: `s3://${ARCHIVE_BUCKET}/${pinnedKey}` }] });
    expect((run.output as { qc: { checks: { name: string; passed: boolean }[] } }).qc.checks).toContainEqual(expect.objectContaining({ name: 'input-pinned', passed: true }));

    // Assess: archive-source's version-pinned copy, keyed by job id (a re-run never replaces an original)
    expect(s3Mock).toHaveReceivedCommandWith(CopyObjectCommand, {
      Bucket: ARCHIVE_BUCKET,
      Key: `${TEST_JOB_ID}/${input.source.key}`,
      CopySource: `${SOURCE_BUCKET}/${input.source.key}?versionId=${input.source.versionId}`,
      CopySourceIfMatch: `"${input.source.etag}"`,
      StorageClass: 'GLACIER_IR',
      Tagging: `jobId=${TEST_JOB_ID}`,
    });
    expect(run.output).toMatchObject({ archive: { archived: true, archiveUri: `s3://${ARCHIVE_BUCKET}/${TEST_JOB_ID}/${input.source.key}` } });

    // Assess: RecordStart (ASL integration) moved the in-memory record to PROCESSING; the
    // COMPLETED write is publish's DocumentClient call asserted above
    expect(run.record).toMatchObject({ status: 'PROCESSING', executionArn: executionArnOf(TEST_JOB_ID) });
  });

  it('unsupported media: the real probe rejects a non-media file and the failure path runs', async () => {
    // Prepare
    const { size } = serveSource(s3Mock, path.join(MEDIA_DIR, 'not-media.mp4'));
    const input = workflowInput({ source: { ...workflowInput().source, key: 'uploads/not-media.mp4', size } });
    const { lambdas, transcode } = realHandlers({ transcodeRequests: [] });

    // Act
    const run = await runWorkflow({ input, lambdas, tasks: { Transcode: transcode } });

    // Assess
    expect(run.status).toBe('FAILED');
    expect(run.states).toEqual(['RecordStart', 'ExtractMetadata', 'RecordFailure', 'NotifyFailure', 'WorkflowFailed']);
    expect(run.attempts.ExtractMetadata).toBe(1);
    expect(run.error).toEqual({ Error: 'UnsupportedMedia', Cause: expect.any(String) });
    // record-failure's conditional FAILED write with the error extract-metadata threw
    expect(ddbMock).toHaveReceivedCommandTimes(UpdateCommand, 1);
    expect(ddbMock).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: TEST_SUBSTITUTIONS.JobsTableName,
      Key: { jobId: TEST_JOB_ID },
      ConditionExpression: 'attribute_exists(jobId) AND #status IN (:from0, :from1)',
      ExpressionAttributeValues: expect.objectContaining({
        ':to': 'FAILED',
        ':from0': 'QUEUED',
        ':from1': 'PROCESSING',
        ':f_error': { name: 'UnsupportedMedia', cause: run.error?.Cause },
      }),
    });
    expect(run.world.notifications.sent).toEqual([
      expect.objectContaining({
        topicArn: TEST_SUBSTITUTIONS.NotificationTopicArn,
        body: expect.objectContaining({ event: 'JOB_FAILED', jobId: TEST_JOB_ID, job: { jobId: TEST_JOB_ID, status: 'FAILED', error: { name: 'UnsupportedMedia' } }, operator: expect.objectContaining({ error: { Error: 'UnsupportedMedia', Cause: run.error?.Cause } }) }),
      }),
    ]);
    expect(snsMock).not.toHaveReceivedCommand(PublishCommand);
    expect(s3Mock).not.toHaveReceivedCommand(CopyObjectCommand);
  });
});
