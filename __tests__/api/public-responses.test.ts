/**
 * Issue 12: the public view of every job state holds no s3:// URI, bucket name, account id or
 * ARN, even when the record is full of them (outputs, executionArn, raw error cause, QC details
 * naming buckets). The setup file __tests__/setup/public-responses.ts scans every response of
 * every API test file the same way; the last test here proves that scan really sees them.
 */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as getJob } from '../../handlers/get-job';
import { handler as listJobs } from '../../handlers/list-jobs';
import { JOB_STATUSES, type JobRecord, type JobStatus } from '../../handlers/shared/job';
import { logger } from '../../handlers/shared/logger';
import { GENERIC_ERROR_MESSAGE, publicDetail, toPublicJob } from '../../handlers/shared/public-job';
import { bodyOf, getJobEvent, listJobsEvent } from '../fixtures/api-events';
import { FakeJobsTable } from '../helpers/jobs-table';
import { findLeaks, publicPart } from '../helpers/public-leaks';

const ACCOUNT = '123456789012';
const OUTPUT = `video-workflow-prod-output-${ACCOUNT}-eu-west-1`;
const CDN = 'https://d111111abcdef8.cloudfront.net';
const ddb = mockClient(DynamoDBDocumentClient);
let table: FakeJobsTable;

/** A record of `status` carrying every internal a record can hold. */
function record(status: JobStatus, n: number): JobRecord {
  const jobId = n.toString(16).padStart(32, 'a');
  const out = (path: string) => `s3://${OUTPUT}/${jobId}/${path}`;
  const at = new Date(Date.UTC(2026, 10, 29, 10, n)).toISOString();
  return {
    jobId,
    status,
    trigger: 's3',
    source: { bucket: `video-workflow-prod-source-${ACCOUNT}-eu-west-1`, key: 'uploads/clip.mov', versionId: 'v1', etag: 'e', size: 42 },
    createdAt: at,
    updatedAt: at,
    executionArn: `arn:aws:states:eu-west-1:${ACCOUNT}:execution:video-workflow-prod:${jobId}`,
    mediaConvertJobId: '1767323100000-abc123',
    ...(status === 'PROCESSING' ? { progress: 40 } : {}),
    ...(status === 'COMPLETED'
      ? {
          outputs: { mp4: [out('mp4/clip_1080p.mp4')], hls: out('hls/clip.m3u8'), thumbnails: [out('thumbnails/clip.0000001.jpg')] },
          playback: { hls: `${CDN}/${jobId}/hls/clip.m3u8`, mp4: [`${CDN}/${jobId}/mp4/clip_1080p.mp4`], thumbnails: [`${CDN}/${jobId}/thumbnails/clip.0000001.jpg`] },
          qc: { passed: true, failures: [], checkCount: 3 },
        }
      : {}),
    ...(status === 'FAILED'
      ? {
          error: { name: 'AccessDenied', cause: `User arn:aws:sts::${ACCOUNT}:assumed-role/x is not authorized to read s3://${OUTPUT}/${jobId}/hls/clip.m3u8` },
          qc: { passed: false, failures: [`${out('hls/clip_720p.m3u8')} is missing`, `HLS master ${out('hls/clip.m3u8')} cannot be read: missing`], checkCount: 5 },
          mediaConvertError: { code: 1010, message: `Unable to write to s3://${OUTPUT}/`, mediaConvertJobId: '1767323100000-abc123' },
        }
      : {}),
  };
}

beforeAll(() => {
  process.env.JOBS_TABLE_NAME = 'video-workflow-prod-jobs';
  logger.setLogLevel('SILENT');
});

beforeEach(() => {
  ddb.reset();
  table = new FakeJobsTable(ddb);
  JOB_STATUSES.forEach((status, i) => table.put(record(status, i + 1)));
});

describe('public views hold no internals', () => {
  it.each(JOB_STATUSES)('GET /jobs/{jobId} of a %s job', async (status) => {
    // Act
    const res = await getJob(getJobEvent(record(status, JOB_STATUSES.indexOf(status) + 1).jobId));

    // Assess
    expect(res.statusCode).toBe(200);
    expect(findLeaks(String(res.body))).toEqual([]);
    expect(bodyOf(res).status).toBe(status);
  });

  it.each(JOB_STATUSES)('GET /jobs?status=%s', async (status) => {
    // Act
    const res = await listJobs(listJobsEvent({ status }));

    // Assess
    expect(bodyOf(res).items).toHaveLength(1);
    expect(findLeaks(String(res.body))).toEqual([]);
  });

  it('a COMPLETED job carries https playback URLs on the distribution instead of s3:// outputs', async () => {
    const body = bodyOf(await getJob(getJobEvent(record('COMPLETED', 3).jobId)));
    expect(body).not.toHaveProperty('outputs');
    expect(body.playback).toEqual(record('COMPLETED', 3).playback);
  });

  it('a FAILED job shows an allow-listed message and QC failures named by their path under the job', async () => {
    const body = bodyOf(await getJob(getJobEvent(record('FAILED', 4).jobId)));
    expect(body.error).toEqual({ name: 'AccessDenied', message: GENERIC_ERROR_MESSAGE });
    expect(body.qc.failures).toEqual(['hls/clip_720p.m3u8 is missing', 'HLS master hls/clip.m3u8 cannot be read: missing']);
  });

  it('redacts an ARN a QC detail might quote, and keeps other text', () => {
    expect(publicDetail(`Role arn:aws:iam::${ACCOUNT}:role/x denied; s3://b/other/key missing`, 'job')).toBe('Role (redacted) denied; other/key missing');
  });

  it('omits playback from views that cannot sign when signed playback is on', () => {
    const job = record('COMPLETED', 3);
    expect(toPublicJob(job, { playback: 'omit' })).not.toHaveProperty('playback');
    expect(toPublicJob(job)).toHaveProperty('playback', job.playback);
    expect(toPublicJob(record('PROCESSING', 2), { playback: job.playback! })).not.toHaveProperty('playback');
  });
});

describe('the leak scan', () => {
  it('detects each kind of internal (the scan is not vacuous)', () => {
    expect(findLeaks(`{"a":"s3://bucket/key"}`)).toEqual(['s3:// URI: s3://']);
    expect(findLeaks(`{"a":"arn:aws:states:eu-west-1:x"}`)).toEqual(['ARN: arn:aws:']);
    expect(findLeaks(`{"a":"account ${ACCOUNT}."}`)).toEqual([`12-digit account id: ${ACCOUNT}`]);
    expect(findLeaks(`{"a":"video-workflow-dev-output"}`)).toEqual(['bucket name: video-workflow-dev-output']);
    expect(findLeaks(`{"jobId":"${'a'.repeat(20)}123456789012","size":1234567890123}`)).toEqual([]);
    expect(findLeaks(`{"key":"uploads/o/00000000-0000-4000-8000-000000000007/clip.mp4"}`)).toEqual([]);
    expect(findLeaks(`{"bucket":"media-${ACCOUNT}-eu-west-1"}`)).toEqual([`12-digit account id: ${ACCOUNT}`]);
  });

  it('exempts only the presigned POST target of POST /uploads', () => {
    const body = { url: 'https://video-workflow-dev-source.s3.amazonaws.com/', fields: { bucket: 'video-workflow-dev-source' }, key: 'uploads/a.mp4' };
    expect(publicPart('POST /uploads', body)).toEqual({ key: 'uploads/a.mp4' });
    expect(publicPart('GET /jobs', body)).toEqual(body);
  });

  it('sees every response this file produced (the setup wraps every route handler)', async () => {
    // Prepare
    const seen = (globalThis as { __publicResponses?: { route: string }[] }).__publicResponses;
    expect(seen).toBeDefined();
    const before = seen!.length;

    // Act
    await getJob(getJobEvent(record('QUEUED', 1).jobId));
    await listJobs(listJobsEvent({ status: 'QUEUED' }));

    // Assess
    expect(seen!.slice(before).map((s) => s.route)).toEqual(['GET /jobs/{jobId}', 'GET /jobs']);
    expect(seen!.length).toBeGreaterThanOrEqual(2 * JOB_STATUSES.length + 2);
  });
});
