import * as z from 'zod';
import { ConfigurationError, JobNotFound } from '../shared/errors';
import { parseWith, type ApiEvent, type HttpResponse, type RequestContext } from '../shared/http';
import { JOB_ID_PATTERN, type JobRecord } from '../shared/job';
import type { DeliverySettings } from '../shared/playback';
import { toPublicJob, unsignedView, type PublicViewOptions } from '../shared/public-job';
import type { PlaybackSigner } from './signed-playback';

/** The one read this route needs. */
export interface JobReader {
  get(jobId: string): Promise<JobRecord | undefined>;
}

/** Delivery as this route sees it: where playback lives and, when it must be signed, the signer. */
export interface GetJobDelivery {
  readonly settings?: DeliverySettings;
  readonly signer?: Pick<PlaybackSigner, 'sign'>;
}

const PathSchema = z.object({
  jobId: z.string().regex(JOB_ID_PATTERN, 'must be 32 lowercase hexadecimal characters'),
});

/**
 * GET /jobs/{jobId}: the id is validated before any lookup, so junk never reaches DynamoDB.
 * With signed playback on, a COMPLETED job's playback URLs are signed; without a signer, or
 * when signing fails, the route fails closed (500) and never returns unsigned URLs.
 */
export async function getJob(event: ApiEvent, ctx: RequestContext, store: JobReader, delivery: GetJobDelivery = {}): Promise<HttpResponse> {
  const { jobId } = parseWith(PathSchema, { jobId: event.pathParameters?.jobId }, 'path');
  ctx.appendKeys({ jobId });
  const job = await store.get(jobId);
  if (job === undefined) {
    throw new JobNotFound(`jobId: no job with id ${jobId}`, { context: { field: 'jobId', jobId } });
  }
  let view: PublicViewOptions = unsignedView(delivery.settings);
  if (delivery.settings?.signed && job.status === 'COMPLETED' && job.playback !== undefined) {
    if (delivery.signer === undefined) {
      throw new ConfigurationError('Signed playback is on but get-job has no signing key configured', { context: { jobId } });
    }
    view = { playback: await delivery.signer.sign(jobId, job.playback) };
  }
  ctx.log.info('Job read', { jobId, status: job.status, signedPlayback: delivery.settings?.signed === true });
  return { statusCode: 200, body: { ...toPublicJob(job, view) } };
}
