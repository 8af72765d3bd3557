import { JobNotFound, JobStateConflict } from '../shared/errors';
import { JOB_ID_PATTERN, type JobRecord } from '../shared/job';
import type { JobEventSink } from '../shared/job-events';
import { qualityReportSchema } from '../shared/schemas';
import { JobStore } from '../shared/job-store';
import { LogSink, silentLog } from '../shared/logger';
import { normaliseError } from './normalise';
import * as z from '../shared/zod';

/** The RecordFailure task's Parameters; `source` is only carried for the notification. */
export const recordFailureInputSchema = z.object({
  jobId: z.string().check(z.regex(JOB_ID_PATTERN)),
  source: z.optional(z.unknown()),
  // `quality` comes with a failed picture-quality gate (the QualityCheckFailed Pass state).
  error: z.looseObject({ Error: z.optional(z.string()), Cause: z.optional(z.unknown()), quality: z.catch(z.optional(qualityReportSchema), undefined) }),
});
export type RecordFailureInput = z.infer<typeof recordFailureInputSchema>;

/** Replaces `$.error`, so NotifyFailure and the Fail state carry the normalised error. */
export interface RecordFailureResult {
  readonly Error: string;
  readonly Cause: string;
}

export interface RecordFailureDeps {
  readonly store: JobStore;
  readonly now?: () => Date;
  readonly log?: LogSink;
  /** Called once, when this invocation moved the job to FAILED (not on a retry). */
  readonly onFailed?: (errorName: string) => void;
  /** Puts the `Video Job Failed` event when the job is FAILED (also on a retry: at least once). */
  readonly events: JobEventSink;
}

/**
 * Writes FAILED (from QUEUED or PROCESSING) with the normalised error. A job that already
 * finished (COMPLETED, or FAILED by an earlier attempt) is left as it is; the normalised
 * error is still returned so the operator is notified.
 */
export async function recordFailure(input: RecordFailureInput, deps: RecordFailureDeps): Promise<RecordFailureResult> {
  const log = deps.log ?? silentLog;
  const error = normaliseError(input.error);
  let failed: JobRecord | undefined;
  try {
    const { changed, job } = await deps.store.transition(input.jobId, 'FAILED', {
      error: { name: error.name, cause: error.cause },
      finishedAt: (deps.now ?? (() => new Date()))().toISOString(),
      ...(error.mediaConvertError ? { mediaConvertError: error.mediaConvertError } : {}),
      // The measured rungs explain a quality failure; an empty report says nothing.
      ...(input.error.quality !== undefined && input.error.quality.rungs.length > 0 ? { quality: input.error.quality } : {}),
    });
    if (changed) {
      log.info('Job failed', { jobId: input.jobId, error: error.name });
      deps.onFailed?.(error.name);
    }
    else log.info('Job already failed, first error kept', { jobId: input.jobId, error: error.name, recorded: job.error?.name });
    failed = job;
  } catch (err) {
    if (err instanceof JobStateConflict) {
      log.warn('Job already finished, failure not recorded', { jobId: input.jobId, error: error.name, ...err.context });
    } else if (err instanceof JobNotFound) {
      log.error('Job record missing, failure not recorded', { jobId: input.jobId, error: error.name });
    } else {
      throw err; // throttling and other transient errors: the task's Retry handles them
    }
  }
  // Outside the try: a failed put is EventDeliveryFailed, which the task's Retry handles.
  if (failed !== undefined) await deps.events.jobFinished(failed);
  return { Error: error.name, Cause: error.cause };
}
