import { callerOf, type AccessConfig } from '../shared/caller';
import { Forbidden, InvalidRequest } from '../shared/errors';
import { parseWith, type ApiEvent, type HttpResponse, type RequestContext } from '../shared/http';
import type { JobStore } from '../shared/job-store';
import { JOB_ID_PATTERN, JOB_STATUSES, type JobStatus } from '../shared/job';
import { isOwner } from '../shared/owner';
import { toPublicJob, type PublicViewOptions } from '../shared/public-job';
import * as z from '../shared/zod';

export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 100;

/** The reads this route needs: a Query on the owner index, or (admins, every owner) on the status index. */
export type JobLister = Pick<JobStore, 'listByStatus' | 'listByOwner'>;

/** Which index a page comes from: one owner's jobs (optionally of one status), or every owner's jobs of one status. */
export type ListView = { readonly owner: string; readonly status?: JobStatus } | { readonly owner?: undefined; readonly status: JobStatus };

const StatusSchema = z.enum(JOB_STATUSES as [JobStatus, ...JobStatus[]], {
  error: (issue) => (issue.input === undefined ? 'is required' : `must be one of ${JOB_STATUSES.join(', ')}`),
});

const LIMIT_MESSAGE = `must be an integer from 1 to ${MAX_LIMIT}`;
const QuerySchema = z.strictObject({
  status: z.optional(StatusSchema),
  owner: z.optional(z.string().check(z.refine(isOwner, 'must be an owner id (o-<24 hex>), system or local'))),
  limit: z.optional(
    z.pipe(
      z.pipe(z.string().check(z.regex(/^\d{1,3}$/, LIMIT_MESSAGE)), z.transform(Number)),
      z.number().check(z.int(), z.minimum(1, LIMIT_MESSAGE), z.maximum(MAX_LIMIT, LIMIT_MESSAGE)),
    ),
  ),
  next: z.optional(z.string().check(z.maxLength(1024, 'is not a valid page token'))),
});

/**
 * The decoded `next` token: the index key of the last item read plus `by`, the owner id of the
 * caller it was issued to. It is not signed (there is no secret to sign with); it is validated
 * strictly instead: a token of another caller, another view or with any other field is a 400,
 * never a DynamoDB ValidationException (500). Tampering can only move the start position inside
 * a partition the caller may list anyway (its own, or every owner's for an admin).
 */
const KeyFields = { jobId: z.string().check(z.regex(JOB_ID_PATTERN)), createdAt: z.iso.datetime(), by: z.string().check(z.refine(isOwner)) };
const TokenSchema = z.union([
  z.strictObject({ ...KeyFields, owner: z.string().check(z.refine(isOwner)) }),
  z.strictObject({ ...KeyFields, status: z.enum(JOB_STATUSES as [JobStatus, ...JobStatus[]]) }),
]);
export type PageToken = z.infer<typeof TokenSchema>;

/** The index key a LastEvaluatedKey must be for `view`; anything else means the table changed (a 500, not the caller's fault). */
export function encodePageToken(lastEvaluatedKey: Record<string, unknown>, view: ListView, by: string): string {
  const { jobId, createdAt } = lastEvaluatedKey;
  const token = view.owner !== undefined ? { jobId, createdAt, owner: lastEvaluatedKey.owner, by } : { jobId, createdAt, status: lastEvaluatedKey.status, by };
  const parsed = TokenSchema.safeParse(token);
  const matches = parsed.success && (view.owner !== undefined ? token.owner === view.owner : token.status === view.status);
  if (!matches) throw new Error('LastEvaluatedKey is not a key of the index being listed');
  return Buffer.from(JSON.stringify(token), 'utf8').toString('base64url');
}

/** The DynamoDB ExclusiveStartKey of a token issued to `by` for `view`; InvalidRequest naming `next` otherwise. */
export function decodePageToken(token: string, view: ListView, by: string): Record<string, string> {
  const invalid = (why: string) => new InvalidRequest(`next: ${why}`, { context: { field: 'next' } });
  const notForView = () => invalid(`is not a valid page token for this ${view.owner === undefined ? 'status' : 'owner and status'} filter`);
  if (!/^[A-Za-z0-9_-]+$/.test(token)) throw notForView();
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw notForView();
  }
  const parsed = TokenSchema.safeParse(decoded);
  if (!parsed.success) throw notForView();
  const t = parsed.data;
  if (t.by !== by) throw invalid('was issued to another caller');
  if ('owner' in t) {
    if (view.owner !== t.owner) throw notForView();
    return { jobId: t.jobId, owner: t.owner, createdAt: t.createdAt };
  }
  if (view.owner !== undefined || view.status !== t.status) throw notForView();
  return { jobId: t.jobId, status: t.status, createdAt: t.createdAt };
}

/**
 * GET /jobs?status=&owner=&limit=&next=: the caller's own jobs (owner index, status filtered
 * inside that partition). Admins may name any `owner`, or list every owner's jobs of one `status`
 * (status index). Never a Scan. `publicView`: list-jobs cannot sign, so signed playback is
 * omitted (see unsignedView).
 */
export async function listJobs(event: ApiEvent, ctx: RequestContext, store: JobLister, access: AccessConfig, publicView: PublicViewOptions = {}): Promise<HttpResponse> {
  const caller = callerOf(event, access);
  const query = parseWith(QuerySchema, event.queryStringParameters ?? {}, 'query');
  if (query.owner !== undefined && query.owner !== caller.owner && !caller.admin) {
    throw new Forbidden(`owner: listing another owner's jobs requires the admin scope (${access.adminScope}) or an admin principal`, {
      context: { field: 'owner' },
    });
  }
  let view: ListView;
  if (query.owner !== undefined || !caller.admin) {
    view = { owner: query.owner ?? caller.owner, ...(query.status === undefined ? {} : { status: query.status }) };
  } else if (query.status !== undefined) {
    view = { status: query.status };
  } else {
    throw new InvalidRequest("status: is required when listing every owner's jobs (or pass owner=)", { context: { field: 'status' } });
  }
  const limit = query.limit ?? DEFAULT_LIMIT;
  const exclusiveStartKey = query.next === undefined ? undefined : decodePageToken(query.next, view, caller.owner);
  const page =
    view.owner !== undefined
      ? await store.listByOwner(view.owner, { limit, exclusiveStartKey, ...(view.status === undefined ? {} : { status: view.status }) })
      : await store.listByStatus(view.status, { limit, exclusiveStartKey });
  const hasMore = page.lastEvaluatedKey !== undefined;
  ctx.log.info('Jobs listed', { owner: view.owner ?? '*', status: view.status, limit, count: page.items.length, hasMore, admin: caller.admin });
  return {
    statusCode: 200,
    body: {
      items: page.items.map((job) => toPublicJob(job, publicView)),
      ...(page.lastEvaluatedKey === undefined ? {} : { next: encodePageToken(page.lastEvaluatedKey, view, caller.owner) }),
    },
  };
}
