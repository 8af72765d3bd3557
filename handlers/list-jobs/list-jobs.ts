import * as z from 'zod';
import { InvalidRequest } from '../shared/errors';
import { parseWith, type ApiEvent, type HttpResponse, type RequestContext } from '../shared/http';
import type { JobStore } from '../shared/job-store';
import { JOB_ID_PATTERN, JOB_STATUSES, type JobStatus } from '../shared/job';
import { toPublicJob, type PublicViewOptions } from '../shared/public-job';

export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 100;

/** The key of the last item read from the "status-createdAt" index (table key + index key). */
export type StatusIndexKey = z.infer<typeof TokenSchema>;

/** The one read this route needs: a Query on the status index, newest first. */
export type JobLister = Pick<JobStore, 'listByStatus'>;

const StatusSchema = z.enum(JOB_STATUSES as [JobStatus, ...JobStatus[]], {
  error: (issue) => (issue.input === undefined ? 'is required' : `must be one of ${JOB_STATUSES.join(', ')}`),
});

const QuerySchema = z
  .object({
    status: StatusSchema,
    limit: z
      .string()
      .regex(/^\d{1,3}$/, `must be an integer from 1 to ${MAX_LIMIT}`)
      .transform(Number)
      .pipe(z.number().int().min(1, `must be an integer from 1 to ${MAX_LIMIT}`).max(MAX_LIMIT, `must be an integer from 1 to ${MAX_LIMIT}`))
      .optional(),
    next: z.string().max(1024, 'is not a valid page token').optional(),
  })
  .strict();

/**
 * The decoded `next` token must be exactly an index key of the requested status. The token is
 * not signed (there is no secret to sign with); tampering can only move the start position
 * within the same status partition, which the caller may list anyway, and a malformed token
 * is a 400 instead of a DynamoDB ValidationException (500).
 */
const TokenSchema = z
  .object({
    jobId: z.string().regex(JOB_ID_PATTERN),
    status: z.enum(JOB_STATUSES as [JobStatus, ...JobStatus[]]),
    createdAt: z.iso.datetime(),
  })
  .strict();

/** A LastEvaluatedKey that is not an index key of this status means the table or index changed: a 500, not the caller's fault. */
export function encodePageToken(lastEvaluatedKey: Record<string, unknown>, status: JobStatus): string {
  const parsed = TokenSchema.safeParse(lastEvaluatedKey);
  if (!parsed.success || parsed.data.status !== status) {
    throw new Error('LastEvaluatedKey is not a status-createdAt index key');
  }
  const key = parsed.data;
  return Buffer.from(JSON.stringify({ jobId: key.jobId, status: key.status, createdAt: key.createdAt }), 'utf8').toString('base64url');
}

export function decodePageToken(token: string, status: JobStatus): StatusIndexKey {
  const invalid = () =>
    new InvalidRequest('next: is not a valid page token for this status filter', { context: { field: 'next' } });
  if (!/^[A-Za-z0-9_-]+$/.test(token)) throw invalid();
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  const parsed = TokenSchema.safeParse(decoded);
  if (!parsed.success || parsed.data.status !== status) throw invalid();
  return parsed.data;
}

/** GET /jobs?status=&limit=&next= (`view`: list-jobs cannot sign, so signed playback is omitted; see unsignedView). */
export async function listJobs(event: ApiEvent, ctx: RequestContext, store: JobLister, view: PublicViewOptions = {}): Promise<HttpResponse> {
  const query = parseWith(QuerySchema, event.queryStringParameters ?? {}, 'query');
  const limit = query.limit ?? DEFAULT_LIMIT;
  const startKey = query.next === undefined ? undefined : decodePageToken(query.next, query.status);
  const page = await store.listByStatus(query.status, { limit, exclusiveStartKey: startKey });
  const hasMore = page.lastEvaluatedKey !== undefined;
  ctx.log.info('Jobs listed', { status: query.status, limit, count: page.items.length, hasMore });
  return {
    statusCode: 200,
    body: {
      items: page.items.map((job) => toPublicJob(job, view)),
      ...(page.lastEvaluatedKey === undefined ? {} : { next: encodePageToken(page.lastEvaluatedKey, query.status) }),
    },
  };
}
