import { documentClient, eventBridgeClient } from '../shared/clients';
import { requireEnv } from '../shared/config';
import { eventBridgeSink } from '../shared/job-events';
import { DynamoJobStore } from '../shared/job-store';
import { logger } from '../shared/logger';
import { emit } from '../shared/metrics';
import { parseTaskInput } from '../shared/schemas';
import { recordFailure, RecordFailureDeps, recordFailureInputSchema, RecordFailureResult } from './record-failure';

let deps: RecordFailureDeps | undefined;

function dependencies(): RecordFailureDeps {
  deps ??= {
    store: new DynamoJobStore(documentClient(), requireEnv('JOBS_TABLE_NAME')),
    log: logger,
    // FAILED jobs have no playback to show.
    events: eventBridgeSink(eventBridgeClient(), requireEnv('EVENT_SOURCE'), { playback: 'omit' }),
    // The error name is metadata, not a dimension: one time series per environment, not per error.
    onFailed: (errorName) => emit([['VideosFailed', 1]], { errorName }),
  };
  return deps;
}

/** Step Functions task "RecordFailure". */
export async function handler(event: unknown): Promise<RecordFailureResult> {
  const input = parseTaskInput(recordFailureInputSchema, event, 'RecordFailure');
  logger.appendKeys({ jobId: input.jobId });
  return recordFailure(input, dependencies());
}
