import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { documentClient, s3Client, sfnClient } from '../shared/clients';
import { intEnv, listEnv, requireEnv } from '../shared/config';
import { ConfigurationError } from '../shared/errors';
import { DynamoJobStore } from '../shared/job-store';
import { logger } from '../shared/logger';
import { processBatch, ProcessBatchDeps } from './process-batch';

let deps: ProcessBatchDeps | undefined;

/** Read once per container. */
function dependencies(): ProcessBatchDeps {
  if (deps) return deps;
  const allowedExtensions = listEnv('ALLOWED_EXTENSIONS');
  if (allowedExtensions.length === 0) {
    throw new ConfigurationError('Environment variable ALLOWED_EXTENSIONS is empty', { context: { variable: 'ALLOWED_EXTENSIONS' } });
  }
  requireEnv('JOB_TTL_DAYS'); // set by the stack; intEnv below validates it
  deps = {
    store: new DynamoJobStore(documentClient(), requireEnv('JOBS_TABLE_NAME')),
    s3: s3Client(),
    sfn: sfnClient(),
    stateMachineArn: requireEnv('STATE_MACHINE_ARN'),
    sourceBucket: requireEnv('SOURCE_BUCKET'),
    allowedExtensions,
    keyPrefix: process.env.SOURCE_KEY_PREFIX ?? '',
    jobTtlDays: intEnv('JOB_TTL_DAYS', 0),
    log: logger,
  };
  return deps;
}

/** SQS (ingest queue) -> start a job per S3 Object Created event; partial batch response. */
export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  let resolved: ProcessBatchDeps;
  try {
    resolved = dependencies();
  } catch (err) {
    // Nothing in the batch can succeed: hand every message back (retried, then the DLQ).
    logger.error('Start-workflow is misconfigured', { error: (err as Error).name, reason: (err as Error).message });
    return { batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) };
  }
  return processBatch(event.Records, resolved);
}
