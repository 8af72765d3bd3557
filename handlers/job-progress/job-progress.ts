import { JOB_ID_PATTERN } from '../shared/job';
import { JobStore } from '../shared/job-store';
import { LogSink, silentLog } from '../shared/logger';
import * as z from '../shared/zod';

/**
 * "MediaConvert Job State Change" (EventBridge). Only the fields we use are checked.
 * https://docs.aws.amazon.com/mediaconvert/latest/ug/mediaconvert_cwe_events.html
 */
const stateChangeSchema = z.object({
  'detail-type': z.literal('MediaConvert Job State Change'),
  detail: z.object({
    status: z.string(),
    jobId: z.optional(z.string()),
    userMetadata: z.optional(z.record(z.string(), z.string())),
    jobProgress: z.optional(z.looseObject({ jobPercentComplete: z.optional(z.number()) })),
    errorCode: z.optional(z.union([z.number(), z.string()])),
    errorMessage: z.optional(z.string()),
  }),
});

export type JobProgressResult = { readonly ignored: true; readonly reason: string } | { readonly ignored: false; readonly updated: boolean };

export interface JobProgressDeps {
  readonly store: JobStore;
  readonly workflowName: string;
  readonly log?: LogSink;
  /** Called with our job id once the event is known to be ours (for log correlation). */
  readonly onJobId?: (jobId: string) => void;
}

/**
 * STATUS_UPDATE raises the job's progress; ERROR stores the MediaConvert error (the state
 * machine still owns the final status). Events for other workflows or unknown jobs are ignored.
 */
export async function handleJobStateChange(event: unknown, deps: JobProgressDeps): Promise<JobProgressResult> {
  const log = deps.log ?? silentLog;
  const ignore = (reason: string, fields: Record<string, unknown> = {}): JobProgressResult => {
    log.info('MediaConvert event ignored', { reason, ...fields });
    return { ignored: true, reason };
  };

  const parsed = stateChangeSchema.safeParse(event);
  if (!parsed.success) return ignore('not a MediaConvert Job State Change event');
  const { detail } = parsed.data;
  const mediaConvertJobId = detail.jobId;
  const jobId = detail.userMetadata?.jobId;
  if (jobId === undefined) return ignore('no jobId in userMetadata', { mediaConvertJobId });
  if (detail.userMetadata?.workflow !== deps.workflowName) {
    return ignore('job belongs to another workflow', { mediaConvertJobId, workflow: detail.userMetadata?.workflow });
  }
  if (!JOB_ID_PATTERN.test(jobId)) return ignore('jobId in userMetadata is not a job id', { mediaConvertJobId });
  deps.onJobId?.(jobId);

  if (detail.status === 'STATUS_UPDATE') {
    const percent = detail.jobProgress?.jobPercentComplete;
    if (percent === undefined) return ignore('status update without jobPercentComplete', { mediaConvertJobId });
    const updated = await deps.store.updateProgress(jobId, percent, mediaConvertJobId);
    // false: unknown job, no longer PROCESSING, or an older event arriving late.
    log.info(updated ? 'Progress updated' : 'Progress not updated', { jobId, percent, mediaConvertJobId });
    return { ignored: false, updated };
  }
  if (detail.status === 'ERROR') {
    const code = Number(detail.errorCode);
    if (detail.errorCode === undefined || !Number.isInteger(code)) {
      return ignore('error event without a numeric errorCode', { jobId, mediaConvertJobId });
    }
    const updated = await deps.store.recordMediaConvertError(jobId, {
      code,
      message: detail.errorMessage ?? '',
      ...(mediaConvertJobId ? { mediaConvertJobId } : {}),
    });
    log.info(updated ? 'MediaConvert error recorded' : 'MediaConvert error for unknown job', { jobId, errorCode: detail.errorCode, mediaConvertJobId });
    return { ignored: false, updated };
  }
  return ignore(`status ${detail.status} is not tracked`, { jobId, mediaConvertJobId });
}
