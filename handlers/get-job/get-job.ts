import { callerOf, type AccessConfig } from '../shared/caller';
import { ConfigurationError, JobNotFound } from '../shared/errors';
import { parseWith, type ApiEvent, type HttpResponse, type RequestContext } from '../shared/http';
import { JOB_ID_PATTERN, type JobRecord } from '../shared/job';
import { SYSTEM_OWNER } from '../shared/owner';
import type { DeliverySettings } from '../shared/playback';
import { toPublicJob, unsignedView, type PublicViewOptions } from '../shared/public-job';
import * as z from '../shared/zod';
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
  jobId: z.string().check(z.regex(JOB_ID_PATTERN, 'must be 32 lowercase hexadecimal characters')),
});

/**
 * GET /jobs/{jobId}: the id is validated before any lookup, so junk never reaches DynamoDB.
 * Another owner's job answers the same 404 as a missing one (no existence oracle); admins see all.
 * With signed playback on, a COMPLETED job's playback URLs are signed; without a signer, or
 * when signing fails, the route fails closed (500) and never returns unsigned URLs.
 */
export async function getJob(event: ApiEvent, ctx: RequestContext, store: JobReader, access: AccessConfig, delivery: GetJobDelivery = {}): Promise<HttpResponse> {
  const caller = callerOf(event, access);
  const { jobId } = parseWith(PathSchema, { jobId: event.pathParameters?.jobId }, 'path');
  ctx.appendKeys({ jobId });
  const job = await store.get(jobId);
  if (job === undefined || (!caller.admin && (job.owner ?? SYSTEM_OWNER) !== caller.owner)) {
    if (job !== undefined) ctx.log.warn('Job of another owner requested', { jobId, caller: caller.owner });
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
