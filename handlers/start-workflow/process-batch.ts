import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { errorName, InvalidJobMetadata, InvalidSourceKey, MalformedEvent, ObjectNotFound, ProfileNotAllowed, UnknownProfile, UnsupportedMedia, WorkflowError } from '../shared/errors';
import { JobRecord } from '../shared/job';
import { keyCandidates } from '../shared/s3-key';
import { expiresAtFor, jobIdFor, normalizeEtag, startJob, StartJobDeps } from '../shared/start-job';
import { ObjectCreated, parseObjectCreated } from './event';

export interface ProcessBatchDeps extends StartJobDeps {
  readonly sourceBucket: string;
}

/** Errors about the object itself (or its profile/metadata headers): retrying cannot help, so they become a FAILED job record. */
const PERMANENT = [InvalidSourceKey, UnsupportedMedia, ObjectNotFound, UnknownProfile, ProfileNotAllowed, InvalidJobMetadata];

/**
 * Records a permanent rejection as a FAILED job so operators see it in the table and the API.
 * Same job id as a successful start would have had; the conditional create never overwrites.
 */
async function recordRejection(event: ObjectCreated, err: WorkflowError, deps: ProcessBatchDeps): Promise<JobRecord> {
  const now = (deps.now ?? (() => new Date()))();
  const key = keyCandidates(event.rawKey)[0];
  const etag = normalizeEtag(event.etag);
  const at = now.toISOString();
  const record: JobRecord = {
    jobId: jobIdFor(event.bucket, key, event.versionId ?? etag),
    status: 'FAILED',
    trigger: 's3',
    source: { bucket: event.bucket, key, etag, size: event.size ?? 0, ...(event.versionId ? { versionId: event.versionId } : {}) },
    createdAt: at,
    updatedAt: at,
    finishedAt: at,
    error: { name: err.name, cause: err.message },
    expiresAt: expiresAtFor(now, deps.jobTtlDays),
  };
  return (await deps.store.create(record)).job;
}

type Outcome = 'started' | 'duplicate' | 'rejected' | 'retry' | 'malformed';

async function processRecord(record: SQSRecord, deps: ProcessBatchDeps): Promise<Outcome> {
  const log = deps.log;
  let event: ObjectCreated;
  try {
    event = parseObjectCreated(record.body, deps.sourceBucket);
  } catch (err) {
    // Cannot be recorded in the table (no trustworthy bucket/key): let SQS move it to the DLQ.
    log?.error('Malformed ingest message', { messageId: record.messageId, error: errorName(err), reason: (err as Error).message });
    return 'malformed';
  }
  try {
    const result = await startJob(
      {
        bucket: event.bucket,
        keyCandidates: keyCandidates(event.rawKey),
        versionId: event.versionId,
        expectedEtag: event.etag,
        trigger: 's3',
        requestId: record.messageId,
      },
      deps,
    );
    return result.created ? 'started' : 'duplicate';
  } catch (err) {
    if (PERMANENT.some((type) => err instanceof type)) {
      const job = await recordRejection(event, err as WorkflowError, deps).catch((recordErr: unknown) => {
        log?.error('Could not record rejected source', { messageId: record.messageId, error: errorName(recordErr) });
        return undefined;
      });
      if (!job) return 'retry';
      log?.warn('Source rejected', { messageId: record.messageId, jobId: job.jobId, error: errorName(err), reason: (err as Error).message });
      return 'rejected';
    }
    if (err instanceof MalformedEvent) {
      log?.error('Malformed ingest message', { messageId: record.messageId, reason: err.message });
      return 'malformed';
    }
    // Throttling, 5xx, network, permissions, configuration: retried by SQS, then the DLQ.
    log?.warn('Start failed, will retry', { messageId: record.messageId, error: errorName(err), reason: (err as Error)?.message });
    return 'retry';
  }
}

/**
 * Partial batch response: only messages worth retrying (transient errors) or that belong in
 * the DLQ (malformed) are reported; one bad record never fails the others.
 */
export async function processBatch(records: readonly SQSRecord[], deps: ProcessBatchDeps): Promise<SQSBatchResponse> {
  // Sequential: a batch is small, and it keeps duplicate events within one batch from racing
  // (the second sees the first's record) and StartExecution under its rate limit.
  const outcomes: Outcome[] = [];
  for (const record of records) {
    outcomes.push(
      await processRecord(record, deps).catch((err: unknown): Outcome => {
        deps.log?.error('Unexpected error processing message', { messageId: record.messageId, error: errorName(err) });
        return 'retry';
      }),
    );
  }
  const counts: Record<string, number> = {};
  outcomes.forEach((o) => (counts[o] = (counts[o] ?? 0) + 1));
  deps.log?.info('Batch processed', { records: records.length, ...counts });
  return {
    batchItemFailures: records
      .filter((_, i) => outcomes[i] === 'retry' || outcomes[i] === 'malformed')
      .map((record) => ({ itemIdentifier: record.messageId })),
  };
}
