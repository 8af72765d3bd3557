import { DescribeExecutionCommand, ExecutionDoesNotExist, type SFNClient } from '@aws-sdk/client-sfn';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { errorName, JobNotFound, JobStateConflict } from '../shared/errors';
import { JOB_ID_PATTERN, type JobRecord } from '../shared/job';
import type { JobEventSink } from '../shared/job-events';
import { JobStore } from '../shared/job-store';
import { LogSink, silentLog } from '../shared/logger';
import { truncateCause } from '../record-failure/normalise';
import * as z from '../shared/zod';

/**
 * "Step Functions Execution Status Change" (EventBridge) for executions that ended without
 * running the state machine's own failure path: a timed-out or aborted execution (or a failure
 * the ASL could not catch, such as States.Runtime) would otherwise leave the job PROCESSING
 * forever. The execution name is the job id. A job already COMPLETED or FAILED is left as is
 * (conditional transition), so the normal failure path is not overwritten; an execution that
 * ended in JobNotQueued changed nothing on purpose and is ignored. When this handler is the one
 * that fails the job, it also sends the failure notification the failure path would have sent.
 * https://docs.aws.amazon.com/step-functions/latest/dg/cw-events.html
 */
const executionStatusSchema = z.object({
  'detail-type': z.literal('Step Functions Execution Status Change'),
  detail: z.object({
    executionArn: z.string(),
    name: z.string(),
    status: z.enum(['FAILED', 'TIMED_OUT', 'ABORTED']),
    stateMachineArn: z.string(),
    error: z.nullish(z.string()),
    cause: z.nullish(z.string()),
  }),
});

export type ExecutionStatusResult =
  | { readonly ignored: true; readonly reason: string }
  | { readonly ignored: false; readonly error: string; readonly recorded: boolean; readonly notified: boolean };

export interface ExecutionStatusDeps {
  readonly store: JobStore;
  readonly sns: Pick<SNSClient, 'send'>;
  /** DescribeExecution: the event is believed only when Step Functions itself says the execution ended so. */
  readonly sfn: Pick<SFNClient, 'send'>;
  readonly topicArn: string;
  /** Only executions of this state machine are ours. */
  readonly stateMachineArn: string;
  readonly now?: () => Date;
  readonly log?: LogSink;
  readonly onJobId?: (jobId: string) => void;
  /** Puts the `Video Job Failed` event for a job this handler failed (a throw is retried, then the events DLQ). */
  readonly events: JobEventSink;
}

export function isExecutionStatusChange(event: unknown): boolean {
  return (event as { 'detail-type'?: unknown } | null)?.['detail-type'] === 'Step Functions Execution Status Change';
}

/** The execution ARN of `name` under `stateMachineArn` (the documented ARN format). */
function executionArnOf(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

/**
 * Anyone allowed to invoke this function (not only the rule) could hand it a crafted "Execution
 * Status Change" and fail a running job. So before failing a job: the ARN must be the execution
 * of this state machine named after the job, the job record must name the same execution (a
 * record without one is still QUEUED, before RecordStart), and Step Functions must report that
 * execution ended with the status the event claims. Returns why the event is not believed.
 */
async function verifyAgainstRecord(
  detail: { executionArn: string; name: string; status: string; stateMachineArn: string },
  deps: ExecutionStatusDeps,
): Promise<string | undefined> {
  if (detail.executionArn !== executionArnOf(deps.stateMachineArn, detail.name)) return 'execution ARN is not this state machine\'s execution of the job';
  const job = await deps.store.get(detail.name);
  if (job === undefined) return 'no job record for the execution';
  if (job.executionArn !== undefined && job.executionArn !== detail.executionArn) return 'job record names another execution';
  let status: string | undefined;
  try {
    status = (await deps.sfn.send(new DescribeExecutionCommand({ executionArn: detail.executionArn }))).status;
  } catch (err) {
    if (err instanceof ExecutionDoesNotExist || errorName(err) === 'ExecutionDoesNotExist') return 'execution does not exist';
    throw err; // throttling, 5xx: retried by EventBridge / Lambda, then the events DLQ
  }
  if (status !== detail.status) return `Step Functions reports the execution ${status ?? 'without a status'}, the event says ${detail.status}`;
  return undefined;
}

export async function handleExecutionStatusChange(event: unknown, deps: ExecutionStatusDeps): Promise<ExecutionStatusResult> {
  const log = deps.log ?? silentLog;
  const ignore = (reason: string): ExecutionStatusResult => {
    log.info('Execution status event ignored', { reason });
    return { ignored: true, reason };
  };
  const parsed = executionStatusSchema.safeParse(event);
  if (!parsed.success) return ignore('not a FAILED/TIMED_OUT/ABORTED execution status change');
  const { detail } = parsed.data;
  if (detail.stateMachineArn !== deps.stateMachineArn) return ignore('execution of another state machine');
  if (!JOB_ID_PATTERN.test(detail.name)) return ignore('execution name is not a job id');
  if (detail.error === 'JobStateConflict') return ignore('execution changed nothing (job was not QUEUED)');
  deps.onJobId?.(detail.name);
  const unverified = await verifyAgainstRecord(detail, deps);
  if (unverified !== undefined) {
    log.warn('Execution status event does not match the job record or the execution; ignored', { jobId: detail.name, reason: unverified });
    return { ignored: true, reason: unverified };
  }

  const name =
    detail.status === 'TIMED_OUT' ? 'States.Timeout' : detail.status === 'ABORTED' ? 'ExecutionAborted' : (detail.error ?? 'States.Runtime');
  // One cut cause for the record and the notification (an SNS message is limited to 256 KB).
  const cause = truncateCause(
    detail.cause ??
      (detail.status === 'TIMED_OUT'
        ? 'The workflow execution exceeded its TimeoutSeconds'
        : detail.status === 'ABORTED'
          ? 'The workflow execution was stopped (StopExecution)'
          : 'The workflow execution failed'),
  );
  let recorded = false;
  let failed: JobRecord | undefined;
  try {
    const { changed, job } = await deps.store.transition(detail.name, 'FAILED', {
      error: { name, cause },
      finishedAt: (deps.now ?? (() => new Date()))().toISOString(),
    });
    recorded = changed;
    // A redelivery after this handler failed the job (same error) puts the event again: at least once.
    if (changed || job.error?.name === name) failed = job;
  } catch (err) {
    if (err instanceof JobStateConflict || err instanceof JobNotFound) {
      log.info('Job already finished or missing, execution status not recorded', { jobId: detail.name, status: detail.status });
    } else {
      throw err; // transient: EventBridge/Lambda retries, then the events DLQ
    }
  }
  if (failed !== undefined) await deps.events.jobFinished(failed);
  let notified = false;
  if (recorded) {
    log.warn('Job failed outside the state machine failure path', { jobId: detail.name, status: detail.status, error: name });
    try {
      await deps.sns.send(
        new PublishCommand({
          TopicArn: deps.topicArn,
          Subject: 'Video job failed',
          // As the state machine's NotifyFailure: `job` is public (no bucket, ARN or raw cause; the
          // message for the error name is the one GET /jobs/{id} shows), `operator` is internal.
          Message: JSON.stringify({
            event: 'JOB_FAILED',
            jobId: detail.name,
            job: { jobId: detail.name, status: 'FAILED', error: { name } },
            operator: { error: { Error: name, Cause: cause }, executionStatus: detail.status, executionArn: detail.executionArn },
          }),
        }),
      );
      notified = true;
    } catch (err) {
      // The FAILED record is the source of truth and the ExecutionsTimedOut/Failed alarm fired.
      log.error('Failure notification not sent', { jobId: detail.name, error: errorName(err) });
    }
  }
  return { ignored: false, error: name, recorded, notified };
}
