import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../handlers/get-job';
import type { JobRecord } from '../../handlers/shared/job';
import { logger } from '../../handlers/shared/logger';
import { PUBLIC_ERROR_MESSAGES } from '../../handlers/shared/public-job';
import { getJobEvent, bodyOf } from '../fixtures/api-events';
import { FakeJobsTable } from '../helpers/jobs-table';

const TABLE = 'video-workflow-test-jobs';
const JOB_ID = '0123456789abcdef0123456789abcdef';

const completed: JobRecord = {
  jobId: JOB_ID,
  status: 'COMPLETED',
  trigger: 's3',
  source: { bucket: 'video-workflow-test-source', key: 'uploads/clip.mov', versionId: 'v7', etag: 'abc', size: 5_000_000 },
  createdAt: '2026-11-29T10:00:00.000Z',
  updatedAt: '2026-11-29T10:05:00.000Z',
  startedAt: '2026-11-29T10:00:01.000Z',
  finishedAt: '2026-11-29T10:05:00.000Z',
  executionArn: `arn:aws:states:eu-west-1:123456789012:execution:video-workflow-test:${JOB_ID}`,
  mediaConvertJobId: '1732870000000-abcdef',
  progress: 97,
  metadata: {
    container: 'MPEG-4',
    durationSeconds: 12.5,
    width: 1920,
    height: 1080,
    displayWidth: 1080,
    displayHeight: 1920,
    displayAspectRatio: 0.5625,
    rotation: 90,
    frameRate: 29.97,
    videoCodec: 'AVC',
    bitRate: 4_000_000,
    audioTrackCount: 1,
    audioCodec: 'AAC',
    bytesRead: 65_536,
  },
  outputs: {
    mp4: [`s3://video-workflow-test-output/${JOB_ID}/mp4/clip_1080.mp4`],
    hls: `s3://video-workflow-test-output/${JOB_ID}/hls/clip.m3u8`,
    thumbnails: [`s3://video-workflow-test-output/${JOB_ID}/thumbnails/clip.0000000.jpg`],
  },
  playback: {
    hls: `https://d111111abcdef8.cloudfront.net/${JOB_ID}/hls/clip.m3u8`,
    mp4: [`https://d111111abcdef8.cloudfront.net/${JOB_ID}/mp4/clip_1080.mp4`],
    thumbnails: [`https://d111111abcdef8.cloudfront.net/${JOB_ID}/thumbnails/clip.0000000.jpg`],
  },
  qc: { passed: true, failures: [], checkCount: 9 },
  warnings: ['ArchiveFailed: copy to archive bucket timed out'],
  expiresAt: 1_798_000_000,
};

const ddb = mockClient(DynamoDBDocumentClient);
let table: FakeJobsTable;

beforeAll(() => {
  process.env.JOBS_TABLE_NAME = TABLE;
  logger.setLogLevel('SILENT');
});

beforeEach(() => {
  ddb.reset();
  table = new FakeJobsTable(ddb);
});

describe('GET /jobs/{jobId}', () => {
  it('answers 200 with the public view of the job', async () => {
    // Prepare
    table.put(completed);

    // Act
    const res = await handler(getJobEvent(JOB_ID, { requestId: 'req-get' }));

    // Assess
    expect(res.statusCode).toBe(200);
    expect(res.headers?.['x-request-id']).toBe('req-get');
    expect(bodyOf(res)).toEqual({
      jobId: JOB_ID,
      status: 'COMPLETED',
      trigger: 's3',
      // A record without an owner (written before tenancy) reads as system.
      owner: 'system',
      progress: 100,
      source: { key: 'uploads/clip.mov', versionId: 'v7', size: 5_000_000 },
      metadata: {
        container: 'MPEG-4',
        durationSeconds: 12.5,
        width: 1080,
        height: 1920,
        frameRate: 29.97,
        videoCodec: 'AVC',
        audioCodec: 'AAC',
        audioTrackCount: 1,
        bitRate: 4_000_000,
      },
      // Playback URLs on the distribution; the s3:// outputs stay internal.
      playback: completed.playback,
      qc: { passed: true, checkCount: 9, failures: [] },
      warnings: ['ArchiveFailed: copy to archive bucket timed out'],
      createdAt: '2026-11-29T10:00:00.000Z',
      updatedAt: '2026-11-29T10:05:00.000Z',
      startedAt: '2026-11-29T10:00:01.000Z',
      finishedAt: '2026-11-29T10:05:00.000Z',
      statusUrl: `/jobs/${JOB_ID}`,
      requestId: 'req-get',
    });
    expect(ddb).toHaveReceivedCommandWith(GetCommand, { TableName: TABLE, Key: { jobId: JOB_ID }, ConsistentRead: true });
  });

  it('shows progress and the error of a failed job, never the internals', async () => {
    // Prepare
    table.put({
      ...completed,
      status: 'FAILED',
      progress: 40,
      outputs: undefined,
      qc: undefined,
      warnings: undefined,
      error: { name: 'UnsupportedMedia', cause: 'No video track' },
    });

    // Act
    const res = await handler(getJobEvent(JOB_ID));

    // Assess
    const body = bodyOf(res);
    expect(res.statusCode).toBe(200);
    // The public message comes from the allow-list; the raw cause stays in the record.
    expect(body).toMatchObject({ status: 'FAILED', progress: 40, error: { name: 'UnsupportedMedia', message: PUBLIC_ERROR_MESSAGES.UnsupportedMedia } });
    expect(res.body).not.toContain('No video track');
    expect(body).not.toHaveProperty('outputs');
    expect(body).not.toHaveProperty('playback');
    expect(body).not.toHaveProperty('warnings');
    expect(res.body).not.toContain('video-workflow-test-source');
    expect(res.body).not.toContain('arn:aws');
    expect(res.body).not.toContain('mediaConvertJobId');
    expect(res.body).not.toContain('etag');
  });

  it('shows the measured picture quality per rung (names and numbers only), also on a job that failed the gate', async () => {
    // Prepare
    const stats = { mean: 0.81, p5: 0.75, min: 0.74, worstSecond: 0.77, frames: 375 };
    const quality = {
      rungs: [
        { name: 'master_1080p', width: 1080, height: 1920, bitrate: 6_000_000, top: true, ssim: stats, psnr: { ...stats, mean: 24.1 }, vmaf: { ...stats, mean: 41 } },
        { name: 'master_720p', width: 720, height: 1280, bitrate: 3_500_000, top: false, ssim: { ...stats, p5: 0.93 }, psnr: { ...stats, mean: 38 } },
      ],
    };
    const cause = 'QualityBelowThreshold: rung master_1080p (1080x1920, top) SSIM 5th percentile is 0.75, below the threshold 0.9';
    table.put({ ...completed, status: 'FAILED', outputs: undefined, qc: undefined, quality, error: { name: 'QualityBelowThreshold', cause } });

    // Act
    const res = await handler(getJobEvent(JOB_ID));

    // Assess
    // The public view carries the allow-listed message; the cause (rung, metric, value, floor) stays in the record.
    expect(bodyOf(res)).toMatchObject({ status: 'FAILED', error: { name: 'QualityBelowThreshold', message: PUBLIC_ERROR_MESSAGES.QualityBelowThreshold }, quality });
    expect(res.body).not.toContain(cause);
    expect(res.body).not.toContain('s3://');
  });

  it('answers 404 for an unknown job', async () => {
    // Act
    const res = await handler(getJobEvent('ffffffffffffffffffffffffffffffff', { requestId: 'req-missing' }));

    // Assess
    expect(res.statusCode).toBe(404);
    expect(bodyOf(res)).toEqual({
      error: { code: 'NOT_FOUND', message: 'jobId: no job with id ffffffffffffffffffffffffffffffff', field: 'jobId' },
      requestId: 'req-missing',
    });
  });

  it.each([
    ['upper case', '0123456789ABCDEF0123456789ABCDEF'],
    ['too short', '0123456789abcdef'],
    ['non-hex', 'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz'],
    ['a path', '..%2F..%2Fetc'],
  ])('answers 400 for a %s job id without reading the table', async (_name, jobId) => {
    // Act
    const res = await handler(getJobEvent(jobId));

    // Assess
    expect(res.statusCode).toBe(400);
    expect(bodyOf(res).error).toEqual({
      code: 'INVALID_REQUEST',
      message: 'jobId: must be 32 lowercase hexadecimal characters',
      field: 'jobId',
    });
    expect(ddb).not.toHaveReceivedCommand(GetCommand);
  });

  it('answers a generic 500 when the deployment lacks JOBS_TABLE_NAME', async () => {
    // Prepare: a fresh module, so the store is built from the broken environment
    const saved = process.env.JOBS_TABLE_NAME;
    const savedLevel = process.env.POWERTOOLS_LOG_LEVEL;
    delete process.env.JOBS_TABLE_NAME;
    process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
    let isolated: typeof handler | undefined;
    jest.isolateModules(() => {
      isolated = require('../../handlers/get-job').handler;
    });

    // Act
    const res = await isolated!(getJobEvent(JOB_ID, { requestId: 'req-config' }));
    process.env.JOBS_TABLE_NAME = saved;
    if (savedLevel === undefined) delete process.env.POWERTOOLS_LOG_LEVEL;
    else process.env.POWERTOOLS_LOG_LEVEL = savedLevel;

    // Assess
    expect(res.statusCode).toBe(500);
    expect(bodyOf(res).error).toEqual({ code: 'INTERNAL_ERROR', message: 'Internal error; quote request id req-config' });
    expect(ddb).not.toHaveReceivedCommand(GetCommand);
  });

  it('answers 500 without DynamoDB details when the read fails', async () => {
    // Prepare
    ddb.on(GetCommand).rejects(Object.assign(new Error('Requested resource not found: Table: video-workflow-test-jobs'), { name: 'ResourceNotFoundException' }));

    // Act
    const res = await handler(getJobEvent(JOB_ID, { requestId: 'req-boom' }));

    // Assess
    expect(res.statusCode).toBe(500);
    expect(bodyOf(res).error).toEqual({ code: 'INTERNAL_ERROR', message: 'Internal error; quote request id req-boom' });
    expect(res.body).not.toContain(TABLE);
  });
});
