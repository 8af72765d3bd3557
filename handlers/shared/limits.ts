import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { JobAlreadyRunning, QuotaExceeded, UploadAlreadyUsed } from './errors';
import type { WriteGuard } from './job-store';

/**
 * What keeps one owner from running up a bill, and one upload form from starting more than one
 * job. Two small tables beside the jobs table (stacks/limits.ts):
 * - uploads (key `key`): the reservation POST /uploads writes; ingest consumes it for exactly
 *   one object version with a conditional write.
 * - limits (key `pk`): `quota#<owner>#<yyyy-mm-dd>` daily job counters and `run#<jobId>` locks
 *   that let at most one execution of an object version run at a time; both TTL'd.
 * The counter and the lock change in the same transaction as the job's put (job-store.ts
 * WriteGuard), so a job exists exactly when it was counted.
 */

/**
 * The tag start-workflow puts on an object version that arrived with a used upload form; the
 * source bucket's `expire-rejected-uploads` lifecycle rule removes tagged versions
 * (stacks/storage.ts), so the extra bytes do not stay in the bucket.
 */
export const REJECTED_UPLOAD_TAG = { key: 'video-workflow-rejected', value: 'UploadAlreadyUsed' } as const;

export interface UploadReservation {
  readonly key: string;
  readonly owner: string;
  /** Declared size in bytes: the presigned POST allows [1, size]. */
  readonly size: number;
  readonly contentType: string;
  readonly createdAt: string;
  /** When the presigned form stops working (ISO). */
  readonly formExpiresAt: string;
  /** DynamoDB TTL (epoch seconds): the form's expiry while unused, the job TTL once consumed. */
  readonly expiresAt: number;
  /** The object version (or ETag) that consumed the reservation. */
  readonly consumedVersion?: string;
  readonly consumedAt?: string;
}

export interface LimitsSettings {
  readonly limitsTable: string;
  readonly uploadsTable: string;
  /** Jobs one owner may start per UTC day (variable max_jobs_per_owner_per_day). */
  readonly maxJobsPerOwnerPerDay: number;
}

/** One object version arriving at an upload key. */
export interface UploadUse {
  readonly key: string;
  /** Version id, or the ETag in an unversioned bucket. */
  readonly version: string;
  readonly owner: string;
  readonly now: Date;
  /** TTL of the consumed reservation (epoch seconds): as long as the job record. */
  readonly keepUntil: number;
  /** The job id this version would have: where a rejection of it is recorded. */
  readonly jobId: string;
}

/** The limits start-job applies before any StartExecution. */
export interface JobLimits {
  readonly maxJobsPerOwnerPerDay: number;
  /** Marks the reservation of an upload key used by `version`; UploadAlreadyUsed when another version used it. */
  consumeUpload(use: UploadUse): Promise<void>;
  /** The job id holding the run lock of an object version, if any. */
  activeRun(baseJobId: string): Promise<string | undefined>;
  /** Counts one job against `owner`'s day; QuotaExceeded when the day is full. */
  quotaGuard(owner: string, now: Date, rejectionJobId: string): WriteGuard;
  /** Takes the run lock of `baseJobId` for `jobId`, if it is still held by `previous` (or free). */
  runGuard(baseJobId: string, jobId: string, previous: string | undefined, expiresAt: number): WriteGuard;
}

/** The UTC day a job is counted in (`yyyy-mm-dd`). */
export function quotaDay(now: Date): string {
  return now.toISOString().slice(0, 10);
}

/** Seconds until the next UTC midnight, when a new day's counter starts (Retry-After). */
export function secondsUntilNextDay(now: Date): number {
  const next = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
  return Math.max(1, Math.ceil((next - now.getTime()) / 1000));
}

function isConditionalCheckFailed(err: unknown): boolean {
  return err instanceof ConditionalCheckFailedException || (err as { name?: unknown })?.name === 'ConditionalCheckFailedException';
}

export class DynamoLimits implements JobLimits {
  readonly maxJobsPerOwnerPerDay: number;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly settings: LimitsSettings,
  ) {
    this.maxJobsPerOwnerPerDay = settings.maxJobsPerOwnerPerDay;
  }

  async consumeUpload({ key, version, owner, now, keepUntil, jobId }: UploadUse): Promise<void> {
    try {
      // An upsert: a reservation that already expired (TTL) is recreated as consumed, so a
      // re-used form is refused even then.
      await this.doc.send(
        new UpdateCommand({
          TableName: this.settings.uploadsTable,
          Key: { key },
          UpdateExpression:
            'SET consumedVersion = :version, consumedAt = if_not_exists(consumedAt, :now), #owner = if_not_exists(#owner, :owner), expiresAt = :keep',
          ConditionExpression: 'attribute_not_exists(consumedVersion) OR consumedVersion = :version',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':version': version, ':now': now.toISOString(), ':owner': owner, ':keep': keepUntil },
        }),
      );
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
      throw new UploadAlreadyUsed('This upload form was already used by another object version; request a new upload', {
        cause: err,
        context: { key, version, owner, rejectionJobId: jobId },
      });
    }
  }

  async activeRun(baseJobId: string): Promise<string | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.settings.limitsTable, Key: { pk: `run#${baseJobId}` }, ConsistentRead: true }));
    const active: unknown = out.Item?.activeJobId;
    return typeof active === 'string' ? active : undefined;
  }

  quotaGuard(owner: string, now: Date, rejectionJobId: string): WriteGuard {
    const day = quotaDay(now);
    const limit = this.maxJobsPerOwnerPerDay;
    const retryAfterSeconds = secondsUntilNextDay(now);
    return {
      tableName: this.settings.limitsTable,
      key: { pk: `quota#${owner}#${day}` },
      // ADD is atomic; the condition keeps the counter at the limit under any concurrency.
      updateExpression: 'ADD jobCount :one SET expiresAt = if_not_exists(expiresAt, :ttl)',
      conditionExpression: 'attribute_not_exists(jobCount) OR jobCount < :limit',
      values: { ':one': 1, ':limit': limit, ':ttl': Math.floor(now.getTime() / 1000) + retryAfterSeconds + 86_400 },
      rejected: () =>
        new QuotaExceeded(`The daily job quota (${limit} jobs per owner per UTC day) is used up; retry after ${retryAfterSeconds} s`, {
          context: { owner, day, limit, retryAfterSeconds, rejectionJobId },
        }),
    };
  }

  runGuard(baseJobId: string, jobId: string, previous: string | undefined, expiresAt: number): WriteGuard {
    return {
      tableName: this.settings.limitsTable,
      key: { pk: `run#${baseJobId}` },
      updateExpression: 'SET activeJobId = :job, expiresAt = :ttl',
      conditionExpression: previous === undefined ? 'attribute_not_exists(activeJobId)' : 'activeJobId = :previous',
      values: { ':job': jobId, ':ttl': expiresAt, ...(previous === undefined ? {} : { ':previous': previous }) },
      rejected: () =>
        new JobAlreadyRunning('Another job of this object version started at the same time; retry once it has finished', {
          context: { jobId, baseJobId, previous },
        }),
    };
  }
}

/** POST /uploads: writes the reservation; a UUID key never exists already, the condition only guards that. */
export async function reserveUpload(doc: DynamoDBDocumentClient, uploadsTable: string, reservation: UploadReservation): Promise<void> {
  await doc.send(new PutCommand({ TableName: uploadsTable, Item: reservation, ConditionExpression: 'attribute_not_exists(#key)', ExpressionAttributeNames: { '#key': 'key' } }));
}
