import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { EventDeliveryFailed } from './errors';
import type { JobRecord } from './job';
import { toPublicJob, type PublicViewOptions } from './public-job';

/**
 * Downstream events: every job that reaches a terminal status is announced on the account's
 * default event bus, so a CMS or a search index subscribes with a rule instead of polling.
 * `source` is `video-workflow.<env>` (the IAM grant is conditioned on it), the detail is the
 * public job view (what GET /jobs/{id} answers: no bucket, ARN or account id; playback only when
 * it is unsigned, as in every view that cannot sign). Delivery is at
 * least once (a retried task puts the event again): consumers key on `jobId` + `status`.
 * https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html
 */
export const JOB_EVENT_DETAIL_TYPES = { COMPLETED: 'Video Job Completed', FAILED: 'Video Job Failed' } as const;


export interface JobEventSink {
  /** Puts the terminal-status event of `job` (COMPLETED or FAILED; other statuses are ignored). */
  jobFinished(job: JobRecord): Promise<void>;
}

/** The PutEvents entry for a finished job, or undefined for a job that is not finished. */
export function jobEventEntry(job: JobRecord, source: string, view: PublicViewOptions) {
  if (job.status !== 'COMPLETED' && job.status !== 'FAILED') return undefined;
  return { Source: source, DetailType: JOB_EVENT_DETAIL_TYPES[job.status], Detail: JSON.stringify(toPublicJob(job, view)), EventBusName: 'default' };
}

/** `view`: unsignedView(deliverySettings()), so signed playback URLs never leave get-job. */
export function eventBridgeSink(client: Pick<EventBridgeClient, 'send'>, source: string, view: PublicViewOptions): JobEventSink {
  return {
    async jobFinished(job) {
      const entry = jobEventEntry(job, source, view);
      if (entry === undefined) return;
      let out;
      try {
        out = await client.send(new PutEventsCommand({ Entries: [entry] }));
      } catch (error) {
        throw new EventDeliveryFailed('PutEvents failed', { cause: error, context: { jobId: job.jobId, error: (error as Error)?.name } });
      }
      if ((out.FailedEntryCount ?? 0) > 0) {
        const failed = out.Entries?.[0];
        throw new EventDeliveryFailed(`PutEvents refused the entry: ${failed?.ErrorCode ?? 'unknown'}`, {
          context: { jobId: job.jobId, errorCode: failed?.ErrorCode, errorMessage: failed?.ErrorMessage },
        });
      }
    },
  };
}
