import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { requireEnv } from '../shared/config';
import { errorName } from '../shared/errors';
import { logger } from '../shared/logger';
import { startJobDepsFromEnv } from '../shared/start-job';
import { processBatch, ProcessBatchDeps } from './process-batch';

let deps: ProcessBatchDeps | undefined;

/** Read once per container. */
function dependencies(): ProcessBatchDeps {
  deps ??= { ...startJobDepsFromEnv(), sourceBucket: requireEnv('SOURCE_BUCKET'), log: logger };
  return deps;
}

/** SQS (ingest queue) -> start a job per S3 Object Created event; partial batch response. */
export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  let resolved: ProcessBatchDeps;
  try {
    resolved = dependencies();
  } catch (err) {
    // Nothing in the batch can succeed: hand every message back (retried, then the DLQ).
    logger.error('Start-workflow is misconfigured', { error: errorName(err), reason: (err as Error)?.message });
    return { batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) };
  }
  return processBatch(event.Records, resolved);
}
