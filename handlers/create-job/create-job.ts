import { callerOf, type AccessConfig, type Caller } from '../shared/caller';
import { Forbidden, InvalidSourceKey, ObjectNotFound } from '../shared/errors';
import { parseWith, readJsonBody, type ApiEvent, type HttpResponse, type RequestContext } from '../shared/http';
import type { StartJobDeps, StartJobRequest, StartJobResult } from '../shared/start-job';
import { ownerUploadPrefix } from '../shared/owner';
import { statusUrlFor, toPublicJob, type PublicViewOptions } from '../shared/public-job';
import { userMetadataSchema } from '../shared/user-metadata';
import * as z from '../shared/zod';

/**
 * The caller names an object in the source bucket; the bucket itself is fixed by the
 * deployment, so a `bucket` field is rejected as unknown rather than ignored, and so is an
 * `owner` field (the owner comes from the authorizer and the key, never from the body).
 * Key rules (prefix, extension, `..`, length) live in start-job's validateSourceKey.
 */
const BodySchema = z.strictObject({
  key: z.string().check(z.minLength(1, 'must not be empty')),
  // "Version IDs are Unicode, UTF-8 encoded, URL-ready, opaque strings that are no more than
  // 1,024 bytes long" (https://docs.aws.amazon.com/AmazonS3/latest/userguide/versioning-workflows.html,
  // "Retaining multiple versions of objects with S3 Versioning"): anything else is a bad request,
  // answered 400 here instead of reaching S3 (whose 400 would otherwise surface as a 500).
  versionId: z.optional(
    z.string().check(
      z.minLength(1, 'must not be empty'),
      z.maxLength(1024, 'must be at most 1024 characters'),
      z.regex(/^[A-Za-z0-9._~-]+$/, 'must be an S3 version id (letters, digits, ".", "_", "~", "-")'),
    ),
  ),
  force: z.optional(z.boolean()),
  /** An encoding profile this deployment allows (start-job checks; 400 names the allowed ones). */
  profile: z.optional(z.string().check(z.minLength(1, 'must not be empty'), z.maxLength(64, 'must be at most 64 characters'))),
  metadata: z.optional(userMetadataSchema),
});

export type StartJobFn = (req: StartJobRequest, deps: StartJobDeps) => Promise<StartJobResult>;

export interface CreateJobDeps {
  readonly sourceBucket: string;
  readonly startJob: StartJobFn;
  /** Everything startJob needs except the per-request logger. */
  readonly startDeps: Omit<StartJobDeps, 'log'>;
  readonly access: AccessConfig;
  /** How an existing job is shown (create-job cannot sign playback: see unsignedView). @default record's playback */
  readonly view?: PublicViewOptions;
}

/**
 * POST /jobs: 202 for a new job, 200 with the existing job for a duplicate
 * (same object version, no `force`). A caller starts keys under its own upload prefix only; an
 * admin any key the S3 path accepts, and only an admin may `force`. The job's owner is the
 * key's (ownerOfKey): the uploader, or `system` for other keys.
 */
export async function createJob(event: ApiEvent, ctx: RequestContext, deps: CreateJobDeps): Promise<HttpResponse> {
  const caller = callerOf(event, deps.access);
  const body = parseWith(BodySchema, readJsonBody(event), 'body');
  if (body.force === true && !caller.admin) {
    throw new Forbidden(`force: re-running a job requires the admin scope (${deps.access.adminScope}) or an admin principal`, {
      context: { field: 'force' },
    });
  }
  assertMayStart(caller, body.key);
  let result: StartJobResult;
  try {
    result = await deps.startJob(
      {
        bucket: deps.sourceBucket,
        // An API key is literal (S3 events are the ones that arrive URL-encoded).
        keyCandidates: [body.key],
        versionId: body.versionId,
        trigger: 'api',
        force: body.force === true,
        ...(body.profile !== undefined ? { profile: body.profile } : {}),
        ...(body.metadata !== undefined ? { userMetadata: body.metadata } : {}),
        requestedBy: caller.principal,
        requestId: ctx.requestId,
      },
      { ...deps.startDeps, log: ctx.log },
    );
  } catch (err) {
    throw nameTheKey(err);
  }
  const { job } = result;
  ctx.appendKeys({ jobId: job.jobId });
  if (!result.created) {
    ctx.log.info('Existing job returned', { jobId: job.jobId, status: job.status });
    return { statusCode: 200, body: { ...toPublicJob(job, deps.view) } };
  }
  ctx.log.info('Job accepted', { jobId: job.jobId, force: body.force === true, profile: job.profile });
  const statusUrl = statusUrlFor(job.jobId);
  return { statusCode: 202, body: { jobId: job.jobId, status: job.status, statusUrl }, headers: { location: statusUrl } };
}

/**
 * A key outside the caller's own upload prefix answers exactly like a missing object (404), so
 * the API is no oracle for what exists in the bucket; S3 is never asked.
 */
function assertMayStart(caller: Caller, key: string): void {
  if (caller.admin || key.startsWith(ownerUploadPrefix(caller.owner))) return;
  throw new ObjectNotFound('key: no such object in the source bucket', { context: { field: 'key', owner: caller.owner } });
}

/** start-job's key errors are about the `key` field; say so in the message callers see. */
function nameTheKey(err: unknown): unknown {
  if (err instanceof InvalidSourceKey) {
    return new InvalidSourceKey(`key: ${err.message.replace(/^Invalid source key: /, '')}`, {
      cause: err,
      context: { ...err.context, field: 'key' },
    });
  }
  if (err instanceof ObjectNotFound) {
    return new ObjectNotFound('key: no such object in the source bucket', { cause: err, context: { ...err.context, field: 'key' } });
  }
  return err;
}
