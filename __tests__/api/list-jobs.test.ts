import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../handlers/list-jobs';
import { decodePageToken, encodePageToken } from '../../handlers/list-jobs/list-jobs';
import type { JobRecord, JobStatus } from '../../handlers/shared/job';
import { logger } from '../../handlers/shared/logger';
import { ownerIdOf } from '../../handlers/shared/owner';
import { ISSUER, listJobsEvent, bodyOf } from '../fixtures/api-events';

// The fixtures' default caller is an admin token: without owner=, GET /jobs lists every owner's
// jobs of one status from the status index (per-owner listing: authorization.test.ts).
const ADMIN_OWNER = ownerIdOf(`jwt|${ISSUER}|admin-1`);
import { FakeJobsTable } from '../helpers/jobs-table';

const TABLE = 'video-workflow-test-jobs';

const ddb = mockClient(DynamoDBDocumentClient);
let table: FakeJobsTable;

function job(n: number, status: JobStatus): JobRecord {
  const createdAt = new Date(Date.UTC(2026, 10, 29, 10, n)).toISOString();
  return {
    jobId: n.toString(16).padStart(32, '0'),
    status,
    trigger: 'api',
    source: { bucket: 'video-workflow-test-source', key: `uploads/clip-${n}.mp4`, etag: 'e', size: 1000 + n },
    createdAt,
    updatedAt: createdAt,
  };
}

function token(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

beforeAll(() => {
  process.env.JOBS_TABLE_NAME = TABLE;
  logger.setLogLevel('SILENT');
});

beforeEach(() => {
  ddb.reset();
  table = new FakeJobsTable(ddb);
  [1, 2, 3].forEach((n) => table.put(job(n, 'COMPLETED')));
  table.put(job(4, 'FAILED'));
});

describe('GET /jobs', () => {
  it('queries the status index newest first with the default limit', async () => {
    // Act
    const res = await handler(listJobsEvent({ status: 'COMPLETED' }, { requestId: 'req-list' }));

    // Assess
    expect(res.statusCode).toBe(200);
    const body = bodyOf(res);
    expect(body.items.map((i: { jobId: string }) => i.jobId)).toEqual([job(3, 'COMPLETED').jobId, job(2, 'COMPLETED').jobId, job(1, 'COMPLETED').jobId]);
    expect(body.items[0]).toEqual({
      jobId: job(3, 'COMPLETED').jobId,
      status: 'COMPLETED',
      trigger: 'api',
      owner: 'system',
      progress: 100,
      source: { key: 'uploads/clip-3.mp4', size: 1003 },
      createdAt: job(3, 'COMPLETED').createdAt,
      updatedAt: job(3, 'COMPLETED').updatedAt,
      statusUrl: `/jobs/${job(3, 'COMPLETED').jobId}`,
    });
    expect(body).not.toHaveProperty('next');
    expect(body.requestId).toBe('req-list');
    expect(ddb).toHaveReceivedCommandTimes(QueryCommand, 1);
    expect(ddb).toHaveReceivedCommandWith(QueryCommand, {
      TableName: TABLE,
      IndexName: 'status-createdAt',
      KeyConditionExpression: '#status = :status',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':status': 'COMPLETED' },
      ScanIndexForward: false,
      Limit: 20,
    });
  });

  it('pages with an opaque next token that round-trips the last key', async () => {
    // Act
    const first = await handler(listJobsEvent({ status: 'COMPLETED', limit: '2' }));
    const next = bodyOf(first).next as string;
    const second = await handler(listJobsEvent({ status: 'COMPLETED', limit: '2', next }));

    // Assess
    expect(bodyOf(first).items).toHaveLength(2);
    expect(next).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(bodyOf(second).items.map((i: { jobId: string }) => i.jobId)).toEqual([job(1, 'COMPLETED').jobId]);
    expect(bodyOf(second)).not.toHaveProperty('next');
    expect(ddb).toHaveReceivedNthCommandWith(2, QueryCommand, {
      Limit: 2,
      ExclusiveStartKey: { jobId: job(2, 'COMPLETED').jobId, status: 'COMPLETED', createdAt: job(2, 'COMPLETED').createdAt },
    });
  });

  it('round-trips a token through encode and decode', () => {
    // Prepare
    const key = { jobId: 'a'.repeat(32), status: 'FAILED', createdAt: '2026-11-29T10:00:00.000Z' };

    // Act
    const decoded = decodePageToken(encodePageToken(key, { status: 'FAILED' }, ADMIN_OWNER), { status: 'FAILED' }, ADMIN_OWNER);

    // Assess
    expect(decoded).toEqual(key);
  });

  it('refuses to encode a LastEvaluatedKey that is not a status index key', () => {
    // Act / Assess
    expect(() => encodePageToken({ jobId: 'a'.repeat(32) }, { status: 'FAILED' }, ADMIN_OWNER)).toThrow('LastEvaluatedKey is not a key of the index being listed');
  });

  const validKey = { jobId: '1'.padStart(32, '0'), status: 'COMPLETED', createdAt: '2026-11-29T10:01:00.000Z', by: ADMIN_OWNER };
  it.each([
    ['no status (an admin listing every owner)', {}, 'status', "status: is required when listing every owner's jobs (or pass owner=)"],
    ['an unknown status', { status: 'DONE' }, 'status', 'status: must be one of QUEUED, PROCESSING, COMPLETED, FAILED'],
    ['a lower-case status', { status: 'completed' }, 'status', 'status: must be one of QUEUED, PROCESSING, COMPLETED, FAILED'],
    ['limit 0', { status: 'COMPLETED', limit: '0' }, 'limit', 'limit: must be an integer from 1 to 100'],
    ['limit 101', { status: 'COMPLETED', limit: '101' }, 'limit', 'limit: must be an integer from 1 to 100'],
    ['a non-numeric limit', { status: 'COMPLETED', limit: '10abc' }, 'limit', 'limit: must be an integer from 1 to 100'],
    ['a negative limit', { status: 'COMPLETED', limit: '-5' }, 'limit', 'limit: must be an integer from 1 to 100'],
    ['an unknown parameter', { status: 'COMPLETED', order: 'asc' }, 'order', 'order: unknown field'],
    ['a garbage next token', { status: 'COMPLETED', next: 'not a token!' }, 'next', 'next: is not a valid page token for this status filter'],
    ['a next token that is not JSON', { status: 'COMPLETED', next: Buffer.from('{{{').toString('base64url') }, 'next', 'next: is not a valid page token for this status filter'],
    ['a next token for another status', { status: 'COMPLETED', next: token({ ...validKey, status: 'FAILED' }) }, 'next', 'next: is not a valid page token for this status filter'],
    ['a next token with a bad job id', { status: 'COMPLETED', next: token({ ...validKey, jobId: '../x' }) }, 'next', 'next: is not a valid page token for this status filter'],
    ['a next token with an extra field', { status: 'COMPLETED', next: token({ ...validKey, admin: true }) }, 'next', 'next: is not a valid page token for this status filter'],
    ['a next token with a bad date', { status: 'COMPLETED', next: token({ ...validKey, createdAt: 'yesterday' }) }, 'next', 'next: is not a valid page token for this status filter'],
    ['a next token that is a JSON string', { status: 'COMPLETED', next: token('COMPLETED') }, 'next', 'next: is not a valid page token for this status filter'],
  ])('answers 400 for %s without querying', async (_name, query, field, message) => {
    // Act
    const res = await handler(listJobsEvent(query));

    // Assess
    expect(res.statusCode).toBe(400);
    expect(bodyOf(res).error).toEqual({ code: 'INVALID_REQUEST', message, field });
    expect(ddb).not.toHaveReceivedCommand(QueryCommand);
  });

  it('answers 400 naming status when there is no query string at all', async () => {
    // Act
    const res = await handler(listJobsEvent(undefined));

    // Assess
    expect(res.statusCode).toBe(400);
    expect(bodyOf(res).error.field).toBe('status');
  });
});
