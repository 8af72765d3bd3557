import { documentClient } from '../shared/clients';
import { requireEnv } from '../shared/config';
import { DynamoJobStore } from '../shared/job-store';
import { logger } from '../shared/logger';
import { handleJobStateChange, JobProgressDeps, JobProgressResult } from './job-progress';

let deps: JobProgressDeps | undefined;

function dependencies(): JobProgressDeps {
  deps ??= {
    store: new DynamoJobStore(documentClient(), requireEnv('JOBS_TABLE_NAME')),
    workflowName: requireEnv('WORKFLOW_NAME'),
    log: logger,
    onJobId: (jobId) => logger.appendKeys({ jobId }),
  };
  return deps;
}

/** EventBridge rule on "MediaConvert Job State Change" (STATUS_UPDATE, ERROR). */
export async function handler(event: unknown): Promise<JobProgressResult> {
  logger.removeKeys(['jobId']); // the container may have served another job's event
  return handleJobStateChange(event, dependencies());
}
