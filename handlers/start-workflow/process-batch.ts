import { PutObjectTaggingCommand } from '@aws-sdk/client-s3';
import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import {
  errorName,
  InvalidJobMetadata,
  InvalidSourceKey,
  JobAlreadyRunning,
  MalformedEvent,
  ObjectNotFound,
  ProfileNotAllowed,
  QuotaExceeded,
  UnknownProfile,
  UnsupportedMedia,
  UploadAlreadyUsed,
  WorkflowError,
} from '../shared/errors';
import { JobRecord } from '../shared/job';
import { REJECTED_UPLOAD_TAG } from '../shared/limits';
import { ownerOfKey } from '../shared/owner';
import { keyCandidates } from '../shared/s3-key';
import { expiresAtFor, jobIdFor, normalizeEtag, startJob, StartJobDeps } from '../shared/start-job';
import { ObjectCreated, parseObjectCreated } from './event';

export interface ProcessBatchDeps extends StartJobDeps {
  readonly sourceBucket: string;
}

/**
 * Errors about the object itself, a re-used upload form, or the owner's used-up daily quota:
 * or its profile/metadata headers (UnknownProfile, ProfileNotAllowed, InvalidJobMetadata): retrying cannot help (a quota resets tomorrow, not in the queue's retry window), so they become
 * a FAILED job record the owner sees, never a DLQ message.
 */
const PERMANENT = [InvalidSourceKey, UnsupportedMedia, ObjectNotFound, UploadAlreadyUsed, QuotaExceeded, UnknownProfile, ProfileNotAllowed, InvalidJobMetadata];

/**
 * The id of a rejection HeadObject could not confirm: the event's version/ETag names no object
 * this bucket holds (deleted, overwritten, or a forged message with the genuine key and version
 * but another ETag). Such a record never takes the id the genuine upload's job has or will have,
 * so no message can park a FAILED record in its way until the record's TTL.
 */
export function unconfirmedRejectionIdFor(event: Pick<ObjectCreated, 'bucket' | 'versionId' | 'etag'>, key: string): string {
  const etag = normalizeEtag(event.etag);
  return jobIdFor(event.bucket, key, event.versionId ?? etag, `unconfirmed:${etag}`);
}

/**
 * Records a permanent rejection as a FAILED job so operators see it in the table and the owner
 * in the API; the conditional create never overwrites. A rejection of what HeadObject confirmed
 * (an empty object, a key that can never be valid) takes the id a start would have had, unless
 * the error names another (`rejectionJobId`: a QuotaExceeded rejection is kept apart so the
 * version can still run on a later day); ObjectNotFound, where HeadObject confirmed nothing the
 * event says, takes a rejection-specific id.
 */
async function recordRejection(event: ObjectCreated, err: WorkflowError, deps: ProcessBatchDeps): Promise<JobRecord> {
  const now = (deps.now ?? (() => new Date()))();
  const key = keyCandidates(event.rawKey)[0];
  const etag = normalizeEtag(event.etag);
  const at = now.toISOString();
  const rejectionJobId = err.context.rejectionJobId;
  const record: JobRecord = {
    jobId:
      typeof rejectionJobId === 'string'
        ? rejectionJobId
        : err instanceof ObjectNotFound
          ? unconfirmedRejectionIdFor(event, key)
          : jobIdFor(event.bucket, key, event.versionId ?? etag),
    status: 'FAILED',
    trigger: 's3',
    owner: typeof err.context.owner === 'string' ? err.context.owner : ownerOfKey(key),
    source: { bucket: event.bucket, key, etag, size: event.size ?? 0, ...(event.versionId ? { versionId: event.versionId } : {}) },
    createdAt: at,
    updatedAt: at,
    finishedAt: at,
    error: { name: err.name, cause: err.message },
    expiresAt: expiresAtFor(now, deps.jobTtlDays),
  };
  return (await deps.store.create(record)).job;
}

/**
 * Marks the extra version a re-used upload form wrote, so the source bucket's lifecycle rule
 * removes it. Best effort: the FAILED record is what matters; a tagging failure is only logged.
 */
async function tagRejectedVersion(event: ObjectCreated, job: JobRecord, deps: ProcessBatchDeps): Promise<void> {
  if (job.source.versionId === undefined) return;
  try {
    await deps.s3.send(
      new PutObjectTaggingCommand({
        Bucket: event.bucket,
        Key: job.source.key,
        VersionId: job.source.versionId,
        Tagging: { TagSet: [{ Key: REJECTED_UPLOAD_TAG.key, Value: REJECTED_UPLOAD_TAG.value }] },
      }),
    );
  } catch (err) {
    deps.log?.warn('Could not tag the rejected upload version', { jobId: job.jobId, error: errorName(err) });
  }
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
    if (err instanceof JobAlreadyRunning) {
      // A forced re-run of this very version is running: the object is being processed already.
      log?.info('Job of this version already running', { messageId: record.messageId, reason: err.message });
      return 'duplicate';
    }
    if (PERMANENT.some((type) => err instanceof type)) {
      const job = await recordRejection(event, err as WorkflowError, deps).catch((recordErr: unknown) => {
        log?.error('Could not record rejected source', { messageId: record.messageId, error: errorName(recordErr) });
        return undefined;
      });
      if (!job) return 'retry';
      if (err instanceof UploadAlreadyUsed) await tagRejectedVersion(event, job, deps);
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
