import * as z from 'zod';
import { callerOf, type AccessConfig } from '../shared/caller';
import { JobNotFound } from '../shared/errors';
import { parseWith, type ApiEvent, type HttpResponse, type RequestContext } from '../shared/http';
import { JOB_ID_PATTERN, type JobRecord } from '../shared/job';
import { SYSTEM_OWNER } from '../shared/owner';
import { toPublicJob } from '../shared/public-job';

/** The one read this route needs. */
export interface JobReader {
  get(jobId: string): Promise<JobRecord | undefined>;
}

const PathSchema = z.object({
  jobId: z.string().regex(JOB_ID_PATTERN, 'must be 32 lowercase hexadecimal characters'),
});

/**
 * GET /jobs/{jobId}: the id is validated before any lookup, so junk never reaches DynamoDB.
 * Another owner's job answers the same 404 as a missing one (no existence oracle); admins see all.
 */
export async function getJob(event: ApiEvent, ctx: RequestContext, store: JobReader, access: AccessConfig): Promise<HttpResponse> {
  const caller = callerOf(event, access);
  const { jobId } = parseWith(PathSchema, { jobId: event.pathParameters?.jobId }, 'path');
  ctx.appendKeys({ jobId });
  const job = await store.get(jobId);
  if (job === undefined || (!caller.admin && (job.owner ?? SYSTEM_OWNER) !== caller.owner)) {
    if (job !== undefined) ctx.log.warn('Job of another owner requested', { jobId, caller: caller.owner });
    throw new JobNotFound(`jobId: no job with id ${jobId}`, { context: { field: 'jobId', jobId } });
  }
  ctx.log.info('Job read', { jobId, status: job.status });
  return { statusCode: 200, body: { ...toPublicJob(job) } };
}
