import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../handlers/publish';
import { deriveOutputs } from '../../handlers/publish/publish';
import { ExpectedOutput } from '../../handlers/shared/job';
import { logger } from '../../handlers/shared/logger';
import { conditionFailed, JOB_ID, jobRecord, OUTPUT_BUCKET, sourceRef, TOPIC_ARN } from '../fixtures/events';

const ddbMock = mockClient(DynamoDBDocumentClient);
const snsMock = mockClient(SNSClient);
const eventsMock = mockClient(EventBridgeClient);
const out = (path: string) => `s3://${OUTPUT_BUCKET}/${JOB_ID}/${path}`;

const metadata = { container: 'MPEG-4', durationSeconds: 12.5, width: 1920, height: 1080, videoCodec: 'AVC' };
const expectedOutputs: ExpectedOutput[] = [
  { kind: 'mp4', uri: out('mp4/clip_1080p.mp4'), width: 1920, height: 1080 },
  { kind: 'hls-master', uri: out('hls/clip.m3u8') },
  { kind: 'thumbnail', uri: out('thumbnails/clip_thumb') },
];
const transcode = {
  mediaConvertJobId: '1767323100000-abc123',
  outputGroupDetails: [
    { Type: 'FILE_GROUP', OutputDetails: [{ OutputFilePaths: [out('mp4/clip_1080p.mp4')], DurationInMs: 12500 }] },
    {
      Type: 'HLS_GROUP',
      PlaylistFilePaths: [out('hls/clip.m3u8')],
      OutputDetails: [{ OutputFilePaths: [out('hls/clip_1080p.m3u8')] }, { OutputFilePaths: [out('hls/clip_720p.m3u8')] }],
    },
    { Type: 'FILE_GROUP', OutputDetails: [{ OutputFilePaths: [out('thumbnails/clip_thumb.0000002.jpg')] }] },
  ],
};
const qc = { passed: true, checks: [{ name: 'a', passed: true, detail: '' }, { name: 'b', passed: true, detail: '' }], failures: [] };

function input(overrides: Record<string, unknown> = {}) {
  return { jobId: JOB_ID, source: sourceRef(), metadata, plan: { expectedOutputs, outputPrefix: out('') }, transcode, qc, ...overrides };
}

const DELIVERY_BASE_URL = 'https://d111111abcdef8.cloudfront.net';
const expectedPlayback = {
  hls: `${DELIVERY_BASE_URL}/${JOB_ID}/hls/clip.m3u8`,
  mp4: [`${DELIVERY_BASE_URL}/${JOB_ID}/mp4/clip_1080p.mp4`],
  thumbnails: [`${DELIVERY_BASE_URL}/${JOB_ID}/thumbnails/clip_thumb.0000002.jpg`],
};

const expectedOutputsResult = {
  mp4: [out('mp4/clip_1080p.mp4')],
  hls: out('hls/clip.m3u8'),
  thumbnails: [out('thumbnails/clip_thumb.0000002.jpg')],
};

beforeAll(() => {
  Object.assign(process.env, {
    AWS_REGION: 'eu-west-1', JOBS_TABLE_NAME: 'jobs', TOPIC_ARN, OUTPUT_BUCKET, DELIVERY_BASE_URL, DELIVERY_SIGNED_PLAYBACK: 'false', EVENT_SOURCE: 'video-workflow.dev',
  });
  logger.setLogLevel('SILENT');
});

beforeEach(() => {
  ddbMock.reset();
  snsMock.reset();
  ddbMock.on(UpdateCommand).resolves({ Attributes: jobRecord({ status: 'COMPLETED' }) });
  snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
  eventsMock.reset();
  eventsMock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
});

describe('publish handler', () => {
  it('marks the job COMPLETED with outputs, QC summary and metadata, then notifies', async () => {
    // Act
    const result = await handler(input());
    // Assess
    expect(result).toEqual({ outputs: expectedOutputsResult, notified: true });
    expect(ddbMock).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: 'jobs',
      Key: { jobId: JOB_ID },
      ConditionExpression: 'attribute_exists(jobId) AND #status IN (:from0)',
      ExpressionAttributeValues: expect.objectContaining({
        ':to': 'COMPLETED',
        ':from0': 'PROCESSING',
        ':f_outputs': expectedOutputsResult,
        ':f_playback': expectedPlayback,
        ':f_qc': { passed: true, failures: [], checkCount: 2 },
        ':f_metadata': metadata,
        ':f_mediaConvertJobId': '1767323100000-abc123',
        ':f_progress': 100,
        ':f_finishedAt': expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      }),
    });
    expect(snsMock).toHaveReceivedCommandWith(PublishCommand, { TopicArn: TOPIC_ARN, Subject: 'Video job completed' });
    // The public part is the job's public view; the operator part keeps the internal locations.
    const message = JSON.parse(snsMock.commandCalls(PublishCommand)[0].args[0].input.Message as string);
    expect(message).toMatchObject({ event: 'JOB_COMPLETED', jobId: JOB_ID, job: { jobId: JOB_ID, status: 'COMPLETED' }, operator: { source: sourceRef(), outputs: expectedOutputsResult } });
    expect(JSON.stringify(message.job)).not.toMatch(/s3:\/\/|video-workflow-dev-(source|output)|arn:aws|\b\d{12}\b/);
    // The downstream event: default bus, our source, the public view as detail (no bucket name).
    expect(eventsMock).toHaveReceivedCommandTimes(PutEventsCommand, 1);
    const entry = eventsMock.commandCalls(PutEventsCommand)[0].args[0].input.Entries![0];
    expect(entry).toMatchObject({ Source: 'video-workflow.dev', DetailType: 'Video Job Completed', EventBusName: 'default' });
    expect(JSON.parse(entry.Detail!)).toMatchObject({ jobId: JOB_ID, status: 'COMPLETED', statusUrl: `/jobs/${JOB_ID}` });
    expect(entry.Detail).not.toContain(sourceRef().bucket);
  });

  it('stores the per-rung picture quality QC measured on the COMPLETED record', async () => {
    // Prepare
    const stats = { mean: 0.98, p5: 0.97, min: 0.96, worstSecond: 0.975, frames: 300 };
    const quality = { rungs: [{ name: 'clip_1080p', width: 1920, height: 1080, bitrate: 6_000_000, top: true, ssim: stats, psnr: { ...stats, mean: 42 }, vmaf: { ...stats, mean: 93 } }] };

    // Act
    await handler(input({ qc: { ...qc, quality } }));

    // Assess
    expect(ddbMock).toHaveReceivedCommandWith(UpdateCommand, { ExpressionAttributeValues: expect.objectContaining({ ':f_quality': quality }) });
  });

  it('fails the task with EventDeliveryFailed when PutEvents refuses the entry (Step Functions retries Publish)', async () => {
    // Prepare
    eventsMock.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'x' }] });
    // Act
    const act = handler(input());
    // Assess
    await expect(act).rejects.toMatchObject({ name: 'EventDeliveryFailed', message: 'PutEvents refused the entry: InternalFailure' });
    expect(snsMock).not.toHaveReceivedCommand(PublishCommand);
  });

  it('proceeds on a retry after COMPLETED was already written', async () => {
    // Prepare
    ddbMock.on(UpdateCommand).rejects(
      conditionFailed(jobRecord({ status: 'COMPLETED' })),
    );
    // Act
    const result = await handler(input());
    // Assess
    expect(result.notified).toBe(true);
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);
    // At least once: the retry puts the completion event again (consumers key on jobId + status).
    expect(eventsMock).toHaveReceivedCommandTimes(PutEventsCommand, 1);
  });

  it('throws JobStateConflict for a job that already FAILED and notifies nobody', async () => {
    // Prepare
    ddbMock.on(UpdateCommand).rejects(
      conditionFailed(jobRecord({ status: 'FAILED' })),
    );
    // Act
    const act = handler(input());
    // Assess
    await expect(act).rejects.toMatchObject({ name: 'JobStateConflict', context: { currentStatus: 'FAILED' } });
    expect(snsMock).not.toHaveReceivedCommand(PublishCommand);
    expect(eventsMock).not.toHaveReceivedCommand(PutEventsCommand);
  });

  it('keeps the job COMPLETED and records a warning when SNS fails', async () => {
    // Prepare
    snsMock.on(PublishCommand).rejects(Object.assign(new Error('KMS key disabled'), { name: 'KMSDisabledException' }));
    // Act
    const result = await handler(input());
    // Assess
    expect(result).toEqual({ outputs: expectedOutputsResult, notified: false });
    expect(ddbMock).toHaveReceivedCommandTimes(UpdateCommand, 2);
    expect(ddbMock).toHaveReceivedNthCommandWith(2, UpdateCommand, {
      Key: { jobId: JOB_ID },
      UpdateExpression: 'SET warnings = list_append(if_not_exists(warnings, :none), :warning), updatedAt = :updatedAt',
      ExpressionAttributeValues: expect.objectContaining({ ':warning': ['notification failed: KMSDisabledException'] }),
    });
  });

  it('does not throw when even the warning cannot be written', async () => {
    // Prepare
    ddbMock
      .on(UpdateCommand)
      .resolvesOnce({ Attributes: jobRecord({ status: 'COMPLETED' }) })
      .rejects(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }));
    snsMock.on(PublishCommand).rejects(Object.assign(new Error('throttled'), { name: 'ThrottledException' }));
    // Act
    const result = await handler(input());
    // Assess
    expect(result.notified).toBe(false);
  });

  it('throws MalformedEvent for an input without a transcode result', async () => {
    // Act
    const act = handler({ ...input(), transcode: undefined });
    // Assess
    await expect(act).rejects.toMatchObject({ name: 'MalformedEvent' });
    expect(ddbMock).not.toHaveReceivedCommand(UpdateCommand);
  });

  it('throws QualityCheckFailed rather than publish outputs that failed QC', async () => {
    // Act
    const act = handler(input({ qc: { passed: false, checks: [], failures: ['hls master lists 1 of 2 renditions'] } }));
    // Assess
    await expect(act).rejects.toMatchObject({ name: 'QualityCheckFailed' });
    expect(ddbMock).not.toHaveReceivedCommand(UpdateCommand);
  });

  it('rejects outputs outside the output bucket', async () => {
    // Act
    const act = handler(
      input({ transcode: { mediaConvertJobId: 'x', outputGroupDetails: [{ Type: 'FILE_GROUP', OutputDetails: [{ OutputFilePaths: ['s3://elsewhere/a.mp4'] }] }] } }),
    );
    // Assess
    await expect(act).rejects.toMatchObject({ name: 'MalformedEvent', context: { uri: 's3://elsewhere/a.mp4' } });
  });
});

describe('deriveOutputs', () => {
  it('falls back to the expected outputs when MediaConvert reports no paths', () => {
    // Act
    const outputs = deriveOutputs({ outputGroupDetails: [] }, expectedOutputs);
    // Assess
    expect(outputs).toEqual({ mp4: [out('mp4/clip_1080p.mp4')], hls: out('hls/clip.m3u8'), thumbnails: [out('thumbnails/clip_thumb')] });
  });

  it('never counts HLS rendition playlists as MP4 files or the master', () => {
    // Act
    const outputs = deriveOutputs({ outputGroupDetails: [transcode.outputGroupDetails[1]] }, []);
    // Assess
    expect(outputs).toEqual({ mp4: [], hls: out('hls/clip.m3u8'), thumbnails: [] });
  });
});

describe('deriveOutputs', () => {
  it('takes the thumbnails QC listed when MediaConvert reports no paths (the GetJob shape .sync returns)', () => {
    // Prepare: GetJob's OutputGroupDetails carry durations and sizes only
    const expected = [
      { kind: 'mp4' as const, uri: 's3://out/j/mp4/video_720p.mp4' },
      { kind: 'hls-master' as const, uri: 's3://out/j/hls/master.m3u8' },
      { kind: 'thumbnail' as const, uri: 's3://out/j/thumbnails/thumb' },
    ];
    const transcode = { outputGroupDetails: [{ OutputDetails: [{ DurationInMs: 1000 }] }, { OutputDetails: [{ DurationInMs: 1000 }] }] };
    // Act
    const outputs = deriveOutputs(transcode, expected, ['s3://out/j/thumbnails/thumb.0000000.jpg', 's3://out/j/thumbnails/thumb.0000001.jpg']);
    // Assess
    expect(outputs).toEqual({
      mp4: ['s3://out/j/mp4/video_720p.mp4'],
      hls: 's3://out/j/hls/master.m3u8',
      thumbnails: ['s3://out/j/thumbnails/thumb.0000000.jpg', 's3://out/j/thumbnails/thumb.0000001.jpg'],
    });
  });
});
