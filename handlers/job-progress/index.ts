import { documentClient, eventBridgeClient, sfnClient, snsClient } from '../shared/clients';
import { requireEnv } from '../shared/config';
import { eventBridgeSink } from '../shared/job-events';
import { DynamoJobStore } from '../shared/job-store';
import { logger } from '../shared/logger';
import { ExecutionStatusDeps, ExecutionStatusResult, handleExecutionStatusChange, isExecutionStatusChange } from './execution-status';
import { handleJobStateChange, JobProgressDeps, JobProgressResult } from './job-progress';

let deps: JobProgressDeps | undefined;
let executionDeps: ExecutionStatusDeps | undefined;

function dependencies(): JobProgressDeps {
  deps ??= {
    store: new DynamoJobStore(documentClient(), requireEnv('JOBS_TABLE_NAME')),
    workflowName: requireEnv('WORKFLOW_NAME'),
    log: logger,
    onJobId: (jobId) => logger.appendKeys({ jobId }),
  };
  return deps;
}

function executionDependencies(): ExecutionStatusDeps {
  executionDeps ??= {
    store: dependencies().store,
    sns: snsClient(),
    sfn: sfnClient(),
    topicArn: requireEnv('TOPIC_ARN'),
    stateMachineArn: requireEnv('STATE_MACHINE_ARN'),
    // FAILED jobs have no playback to show.
    events: eventBridgeSink(eventBridgeClient(), requireEnv('EVENT_SOURCE'), { playback: 'omit' }),
    log: logger,
    onJobId: (jobId) => logger.appendKeys({ jobId }),
  };
  return executionDeps;
}

/**
 * EventBridge rules: "MediaConvert Job State Change" (STATUS_UPDATE, ERROR) -> progress and
 * MediaConvert errors; "Step Functions Execution Status Change" (FAILED, TIMED_OUT, ABORTED)
 * -> FAILED for jobs whose execution ended outside the state machine's failure path.
 */
export async function handler(event: unknown): Promise<JobProgressResult | ExecutionStatusResult> {
  logger.removeKeys(['jobId']); // the container may have served another job's event
  if (isExecutionStatusChange(event)) return handleExecutionStatusChange(event, executionDependencies());
  return handleJobStateChange(event, dependencies());
}
