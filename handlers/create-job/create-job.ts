import * as z from 'zod';
import { InvalidSourceKey, ObjectNotFound } from '../shared/errors';
import { parseWith, readJsonBody, type ApiEvent, type HttpResponse, type RequestContext } from '../shared/http';
import type { StartJobDeps, StartJobRequest, StartJobResult } from '../shared/start-job';
import { statusUrlFor, toPublicJob } from '../shared/public-job';
import { userMetadataSchema } from '../shared/user-metadata';

/**
 * The caller names an object in the source bucket; the bucket itself is fixed by the
 * deployment, so a `bucket` field is rejected as unknown rather than ignored.
 * Key rules (prefix, extension, `..`, length) live in start-job's validateSourceKey.
 */
const BodySchema = z
  .object({
    key: z.string().min(1, 'must not be empty'),
    versionId: z.string().min(1, 'must not be empty').max(1024, 'must be at most 1024 characters').optional(),
    force: z.boolean().optional(),
    /** An encoding profile this deployment allows (start-job checks; 400 names the allowed ones). */
    profile: z.string().min(1, 'must not be empty').max(64, 'must be at most 64 characters').optional(),
    metadata: userMetadataSchema.optional(),
  })
  .strict();

export type StartJobFn = (req: StartJobRequest, deps: StartJobDeps) => Promise<StartJobResult>;

export interface CreateJobDeps {
  readonly sourceBucket: string;
  readonly startJob: StartJobFn;
  /** Everything startJob needs except the per-request logger. */
  readonly startDeps: Omit<StartJobDeps, 'log'>;
}

/**
 * POST /jobs: 202 for a new job, 200 with the existing job for a duplicate
 * (same object version, no `force`).
 */
export async function createJob(event: ApiEvent, ctx: RequestContext, deps: CreateJobDeps): Promise<HttpResponse> {
  const body = parseWith(BodySchema, readJsonBody(event), 'body');
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
    return { statusCode: 200, body: { ...toPublicJob(job) } };
  }
  ctx.log.info('Job accepted', { jobId: job.jobId, force: body.force === true, profile: job.profile });
  const statusUrl = statusUrlFor(job.jobId);
  return { statusCode: 202, body: { jobId: job.jobId, status: job.status, statusUrl }, headers: { location: statusUrl } };
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
