import { z } from 'zod';
import { JOB_ID_PATTERN } from '../shared/job';
import { LogSink, silentLog } from '../shared/logger';
import { recordFailure, RecordFailureDeps } from '../record-failure/record-failure';

/**
 * "Step Functions Execution Status Change" (EventBridge) for executions that ended without
 * running the state machine's own failure path: a timed-out or aborted execution (or a failure
 * the ASL could not catch, such as States.Runtime) would otherwise leave the job PROCESSING
 * forever. The execution name is the job id. A job already COMPLETED or FAILED is left as is
 * (record-failure's conditional transition), so the normal failure path is not overwritten.
 * https://docs.aws.amazon.com/step-functions/latest/dg/cw-events.html
 */
const executionStatusSchema = z.object({
  'detail-type': z.literal('Step Functions Execution Status Change'),
  detail: z.object({
    name: z.string(),
    status: z.enum(['FAILED', 'TIMED_OUT', 'ABORTED']),
    stateMachineArn: z.string(),
    error: z.string().nullish(),
    cause: z.string().nullish(),
  }),
});

export type ExecutionStatusResult = { readonly ignored: true; readonly reason: string } | { readonly ignored: false; readonly error: string };

export interface ExecutionStatusDeps extends RecordFailureDeps {
  /** Only executions of this state machine are ours. */
  readonly stateMachineArn: string;
  readonly log?: LogSink;
  readonly onJobId?: (jobId: string) => void;
}

export function isExecutionStatusChange(event: unknown): boolean {
  return (event as { 'detail-type'?: unknown } | null)?.['detail-type'] === 'Step Functions Execution Status Change';
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
  deps.onJobId?.(detail.name);

  const name =
    detail.status === 'TIMED_OUT' ? 'States.Timeout' : detail.status === 'ABORTED' ? 'ExecutionAborted' : (detail.error ?? 'States.Runtime');
  const cause =
    detail.cause ??
    (detail.status === 'TIMED_OUT'
      ? 'The workflow execution exceeded its TimeoutSeconds'
      : detail.status === 'ABORTED'
        ? 'The workflow execution was stopped (StopExecution)'
        : 'The workflow execution failed');
  const result = await recordFailure({ jobId: detail.name, error: { Error: name, Cause: cause } }, deps);
  return { ignored: false, error: result.Error };
}
