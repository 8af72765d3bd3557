import * as z from 'zod';
import { JobNotFound } from '../shared/errors';
import { parseWith, type ApiEvent, type HttpResponse, type RequestContext } from '../shared/http';
import { JOB_ID_PATTERN, type JobRecord } from '../shared/job';
import { toPublicJob } from '../shared/public-job';

/** The one read this route needs. */
export interface JobReader {
  get(jobId: string): Promise<JobRecord | undefined>;
}

const PathSchema = z.object({
  jobId: z.string().regex(JOB_ID_PATTERN, 'must be 32 lowercase hexadecimal characters'),
});

/** GET /jobs/{jobId}: the id is validated before any lookup, so junk never reaches DynamoDB. */
export async function getJob(event: ApiEvent, ctx: RequestContext, store: JobReader): Promise<HttpResponse> {
  const { jobId } = parseWith(PathSchema, { jobId: event.pathParameters?.jobId }, 'path');
  ctx.appendKeys({ jobId });
  const job = await store.get(jobId);
  if (job === undefined) {
    throw new JobNotFound(`jobId: no job with id ${jobId}`, { context: { field: 'jobId', jobId } });
  }
  ctx.log.info('Job read', { jobId, status: job.status });
  return { statusCode: 200, body: { ...toPublicJob(job) } };
}
