/**
 * Phase 2: the same ASL, executed with the real handlers (their exported `handler`) over
 * mocked AWS SDK clients. extract-metadata parses a committed fixture through ranged
 * GetObject calls; the Transcode (.sync) result is a MediaConvert `Job` built from the real
 * plan-transcode output.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CopyObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, NotFound, S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as extractMetadata } from '../../handlers/extract-metadata/index';
import { handler as planTranscode } from '../../handlers/plan-transcode/index';
import { handler as qualityControl } from '../../handlers/quality-control/index';
import { handler as publish } from '../../handlers/publish/index';
import { handler as archiveSource } from '../../handlers/archive-source/index';
import { handler as recordFailure } from '../../handlers/record-failure/index';
import type { MediaMetadata, TranscodePlan } from '../../handlers/shared/job';
import { logger } from '../../handlers/shared/logger';
import {
  asLambdaTask,
  executionArnOf,
  mediaConvertJobFromPlan,
  OUTPUT_BUCKET,
  runWorkflow,
  SOURCE_BUCKET,
  TEST_JOB_ID,
  TEST_SUBSTITUTIONS,
  workflowInput,
  type TaskHandler,
} from '../helpers/asl-harness';
import { serveRanged } from '../fixtures/s3';

const FIXTURES = path.join(__dirname, '../fixtures/media');
const s3Mock = mockClient(S3Client);
const ddbMock = mockClient(DynamoDBDocumentClient);
const snsMock = mockClient(SNSClient);

/** Fixture bytes served as the source object, honouring Range like S3. */
function serveSource(name: string): { size: number } {
  return serveRanged(s3Mock, readFileSync(path.join(FIXTURES, name)), { Bucket: SOURCE_BUCKET });
}

/** What MediaConvert leaves in the output bucket for a plan: files, master manifest, thumbnails. */
function serveOutputs(plan: TranscodePlan): void {
  const key = (uri: string) => uri.replace(`s3://${OUTPUT_BUCKET}/`, '');
  const renditions = plan.expectedOutputs.filter((o) => o.kind === 'hls-rendition');
  const master = [
    '#EXTM3U',
    '#EXT-X-VERSION:3',
    '#EXT-X-INDEPENDENT-SEGMENTS',
    ...renditions.flatMap((r) => [
      `#EXT-X-STREAM-INF:BANDWIDTH=${r.maxBitrate},AVERAGE-BANDWIDTH=${r.maxBitrate},CODECS="avc1.64001f,mp4a.40.2",RESOLUTION=${r.width}x${r.height},FRAME-RATE=25.000`,
      path.posix.basename(r.uri),
    ]),
    '',
  ].join('\n');
  const masterUri = plan.expectedOutputs.find((o) => o.kind === 'hls-master')!.uri;
  s3Mock.on(GetObjectCommand, { Bucket: OUTPUT_BUCKET, Key: key(masterUri) }).resolves({
    Body: { transformToString: async () => master } as never,
  });
  for (const output of plan.expectedOutputs.filter((o) => o.kind !== 'thumbnail')) {
    s3Mock.on(HeadObjectCommand, { Bucket: OUTPUT_BUCKET, Key: key(output.uri) }).resolves({ ContentLength: 48_213 });
  }
  const thumbnail = plan.expectedOutputs.find((o) => o.kind === 'thumbnail')!;
  s3Mock.on(ListObjectsV2Command, { Bucket: OUTPUT_BUCKET, Prefix: key(thumbnail.uri) }).resolves({
    Contents: Array.from({ length: plan.thumbnailCount }, (_, i) => ({ Key: `${key(thumbnail.uri)}.${String(i).padStart(7, '0')}.jpg`, Size: 6_512 })),
  });
}

const ARCHIVE_BUCKET = 'video-workflow-test-archive';

/** The real handler of every Lambda state; the plan each run produced is kept for the Transcode stand-in. */
function realLambdas(captured: { plan?: TranscodePlan; metadata?: MediaMetadata }) {
  return (): Record<string, TaskHandler> => ({
    ExtractMetadata: async (input: unknown) => (captured.metadata = (await asLambdaTask('extract-metadata', extractMetadata)(input)) as MediaMetadata),
    PlanTranscode: async (input: unknown) => {
      const plan = (await asLambdaTask('plan-transcode', planTranscode)(input)) as TranscodePlan;
      captured.plan = plan;
      serveOutputs(plan);
      return plan;
    },
    QualityControl: asLambdaTask('quality-control', qualityControl),
    Publish: asLambdaTask('publish', publish),
    ArchiveSource: asLambdaTask('archive-source', archiveSource),
    RecordFailure: asLambdaTask('record-failure', recordFailure),
  });
}

/** The .sync Transcode task: records the request (built from the real plan), answers COMPLETE. */
function transcodeFrom(captured: { plan?: TranscodePlan; metadata?: MediaMetadata }, requests: unknown[], withPaths: boolean): TaskHandler {
  return (request: { Settings?: unknown }) => {
    requests.push(request);
    return mediaConvertJobFromPlan(captured.plan!, captured.metadata!, request, { withPaths });
  };
}

beforeAll(() => {
  Object.assign(process.env, {
    AWS_REGION: 'eu-west-1',
    OUTPUT_BUCKET,
    JOBS_TABLE_NAME: TEST_SUBSTITUTIONS.JobsTableName,
    TOPIC_ARN: TEST_SUBSTITUTIONS.NotificationTopicArn,
    ARCHIVE_BUCKET,
    ARCHIVE_STORAGE_CLASS: 'GLACIER_IR',
  });
  logger.setLogLevel('SILENT');
});

beforeEach(() => {
  s3Mock.reset();
  ddbMock.reset();
  snsMock.reset();
  ddbMock.on(UpdateCommand).resolves({ Attributes: { jobId: TEST_JOB_ID, status: 'COMPLETED' } });
  snsMock.on(PublishCommand).resolves({ MessageId: 'message-1' });
  s3Mock.on(HeadObjectCommand, { Bucket: ARCHIVE_BUCKET }).rejects(new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } }));
  s3Mock.on(CopyObjectCommand).resolves({ CopyObjectResult: { ETag: '"archived"' } });
});

describe('the workflow with the real handlers', () => {
  it.each([
    ['with file paths and group types (as the COMPLETE event reports them)', true],
    ['in the GetJob model shape (durations and sizes only)', false],
  ])('success: a real landscape MP4 through the real probe, plan, QC, publish and archive; Job %s', async (_shape, withPaths) => {
    // Prepare
    const { size } = serveSource('landscape.mp4');
    const input = workflowInput({ source: { ...workflowInput().source, size } });
    const captured: { plan?: TranscodePlan; metadata?: MediaMetadata } = {};
    const transcodeRequests: unknown[] = [];

    // Act
    const run = await runWorkflow({
      input,
      lambdas: realLambdas(captured),
      tasks: { Transcode: transcodeFrom(captured, transcodeRequests, withPaths) },
    });

    // Assess: path and budget
    expect(run.error).toBeUndefined();
    expect(run.status).toBe('SUCCEEDED');
    expect(run.states).toEqual(['RecordStart', 'ExtractMetadata', 'PlanTranscode', 'Transcode', 'QualityControl', 'Quality passed?', 'Publish', 'ArchiveSource', 'Done']);
    expect(run.lambdaInvocations).toBe(5);
    expect(run.transitions).toBe(9);

    // Assess: real metadata and plan flowed through the state
    expect(captured.metadata).toMatchObject({ container: 'MPEG-4', width: 320, height: 180, videoCodec: 'AVC', audioTrackCount: 1 });
    expect(s3Mock).toHaveReceivedCommandWith(GetObjectCommand, {
      Bucket: SOURCE_BUCKET,
      Key: input.source.key,
      VersionId: input.source.versionId,
      Range: `bytes=0-${size - 1}`,
    });
    expect(transcodeRequests).toEqual([
      expect.objectContaining({ Settings: captured.plan!.settings, UserMetadata: { jobId: TEST_JOB_ID, workflow: TEST_SUBSTITUTIONS.WorkflowName } }),
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

    // Assess: archive-source's version-pinned copy
    expect(s3Mock).toHaveReceivedCommandWith(CopyObjectCommand, {
      Bucket: ARCHIVE_BUCKET,
      Key: input.source.key,
      CopySource: `${SOURCE_BUCKET}/${input.source.key}?versionId=${input.source.versionId}`,
      CopySourceIfMatch: `"${input.source.etag}"`,
      StorageClass: 'GLACIER_IR',
      Tagging: `jobId=${TEST_JOB_ID}`,
    });
    expect(run.output).toMatchObject({ archive: { archived: true, archiveUri: `s3://${ARCHIVE_BUCKET}/${input.source.key}` } });

    // Assess: RecordStart (ASL integration) moved the in-memory record to PROCESSING; the
    // COMPLETED write is publish's DocumentClient call asserted above
    expect(run.record).toMatchObject({ status: 'PROCESSING', executionArn: executionArnOf(TEST_JOB_ID) });
  });

  it('unsupported media: the real probe rejects a non-media file and the failure path runs', async () => {
    // Prepare
    const { size } = serveSource('not-media.mp4');
    const input = workflowInput({ source: { ...workflowInput().source, key: 'uploads/not-media.mp4', size } });

    // Act
    const run = await runWorkflow({ input, lambdas: realLambdas({}), tasks: { Transcode: transcodeFrom({}, [], true) } });

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
        body: expect.objectContaining({ event: 'JOB_FAILED', jobId: TEST_JOB_ID, error: { Error: 'UnsupportedMedia', Cause: run.error?.Cause } }),
      }),
    ]);
    expect(snsMock).not.toHaveReceivedCommand(PublishCommand);
    expect(s3Mock).not.toHaveReceivedCommand(CopyObjectCommand);
  });
});
