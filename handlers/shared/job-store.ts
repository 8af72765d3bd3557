import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { JobNotFound, JobStateConflict } from './errors';
import { ALLOWED_TRANSITIONS, JobRecord, JobStatus, MediaConvertErrorInfo, OWNER_INDEX_NAME, STATUS_INDEX_NAME } from './job';

/** Names of the global secondary indexes (hash `status` / `owner`, range `createdAt`, projection ALL). */
export { OWNER_INDEX_NAME, STATUS_INDEX_NAME };

/**
 * A conditional update of another item (another table) that must succeed together with the
 * creation of a job, or not at all: the owner's daily counter, the one-run-per-version lock
 * (handlers/shared/limits.ts). Applied in one TransactWriteItems with the job's put.
 */
export interface WriteGuard {
  readonly tableName: string;
  readonly key: Record<string, string>;
  readonly updateExpression: string;
  readonly conditionExpression: string;
  readonly names?: Record<string, string>;
  readonly values: Record<string, unknown>;
  /** The error thrown when this guard's condition fails (and the job did not exist already). */
  readonly rejected: () => Error;
}

export type CreateResult = { created: true; job: JobRecord } | { created: false; job: JobRecord };

/**
 * `changed: false` means the job was already in the target status and nothing was written;
 * whether that is fine (a retried publish) or not is the caller's decision.
 */
export interface TransitionResult {
  readonly changed: boolean;
  readonly job: JobRecord;
}

/** Fields a status transition may set alongside the status (the key, status and creation time are fixed). */
export type JobUpdate = Partial<Omit<JobRecord, 'jobId' | 'status' | 'createdAt'>>;

/** Opaque DynamoDB pagination key (the GSI key of the last item returned). */
export type PageKey = Record<string, unknown>;

export interface ListOptions {
  readonly limit: number;
  readonly exclusiveStartKey?: PageKey;
}

export interface ListResult {
  readonly items: JobRecord[];
  readonly lastEvaluatedKey?: PageKey;
}

/** Listing of one owner's jobs; `status` filters inside that owner's partition only. */
export interface OwnerListOptions extends ListOptions {
  readonly status?: JobStatus;
}

export interface JobStore {
  /**
   * Conditional put: never overwrites an existing job; returns the existing one instead. With
   * guards, the put and every guard's update happen atomically; an existing job wins over a failed
   * guard (a duplicate is never refused), otherwise the first failed guard's error is thrown.
   */
  create(record: JobRecord, guards?: readonly WriteGuard[]): Promise<CreateResult>;
  get(jobId: string): Promise<JobRecord | undefined>;
  /** Records the execution ARN; a different ARN already stored is a JobStateConflict. */
  setExecutionArn(jobId: string, executionArn: string): Promise<void>;
  /** Status change conditional on ALLOWED_TRANSITIONS; JobStateConflict / JobNotFound otherwise. */
  transition(jobId: string, to: JobStatus, fields?: JobUpdate): Promise<TransitionResult>;
  /** Raises progress while PROCESSING; `false` when the job is unknown, not processing, or already further. */
  updateProgress(jobId: string, percent: number, mediaConvertJobId?: string): Promise<boolean>;
  /** Stores the MediaConvert error without touching the status; `false` when the job is unknown. */
  recordMediaConvertError(jobId: string, error: MediaConvertErrorInfo): Promise<boolean>;
  /** Appends a warning (non-fatal problem); `false` when the job is unknown. */
  addWarning(jobId: string, warning: string): Promise<boolean>;
  /** Newest first, from the status index (never a Scan). */
  listByStatus(status: JobStatus, options: ListOptions): Promise<ListResult>;
  /** Newest first, from the owner index (never a Scan, never another owner's partition). */
  listByOwner(owner: string, options: OwnerListOptions): Promise<ListResult>;
}

function isConditionalCheckFailed(err: unknown): err is ConditionalCheckFailedException {
  return err instanceof ConditionalCheckFailedException || (err as { name?: unknown })?.name === 'ConditionalCheckFailedException';
}

/** The item DynamoDB returned with the failed condition (ReturnValuesOnConditionCheckFailure: ALL_OLD). */
function oldItem(err: ConditionalCheckFailedException): JobRecord | undefined {
  return err.Item ? (unmarshall(err.Item) as JobRecord) : undefined;
}

/**
 * JobStore over DynamoDB (DocumentClient). SDK errors other than a failed condition
 * (throttling, 5xx, network) pass through unchanged so Lambda / Step Functions retry them.
 */
export class DynamoJobStore implements JobStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async create(record: JobRecord, guards: readonly WriteGuard[] = []): Promise<CreateResult> {
    if (guards.length > 0) return this.createGuarded(record, guards);
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: record,
          ConditionExpression: 'attribute_not_exists(jobId)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { created: true, job: record };
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
      const existing = await this.existingAfterConditionFailure(err, record.jobId);
      if (!existing) {
        // The item existed at the condition check and is gone now (TTL or a manual delete).
        throw new JobStateConflict('Job record disappeared while being created', {
          cause: err,
          context: { jobId: record.jobId },
        });
      }
      return { created: false, job: existing };
    }
  }

  /**
   * TransactWriteItems: the job's put and the guards' updates, all or nothing. IAM checks each
   * item as its PutItem / UpdateItem (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html,
   * "Using IAM with DynamoDB transactions"); a cancelled transaction names the failed condition
   * per item in CancellationReasons, in request order.
   */
  private async createGuarded(record: JobRecord, guards: readonly WriteGuard[]): Promise<CreateResult> {
    try {
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: this.tableName, Item: record, ConditionExpression: 'attribute_not_exists(jobId)' } },
            ...guards.map((g) => ({
              Update: {
                TableName: g.tableName,
                Key: g.key,
                UpdateExpression: g.updateExpression,
                ConditionExpression: g.conditionExpression,
                ...(g.names === undefined ? {} : { ExpressionAttributeNames: g.names }),
                ExpressionAttributeValues: g.values,
              },
            })),
          ],
        }),
      );
      return { created: true, job: record };
    } catch (err) {
      const reasons = transactionReasons(err);
      if (reasons === undefined) throw err;
      if (reasons[0] === 'ConditionalCheckFailed') {
        const existing = await this.get(record.jobId);
        if (!existing) throw new JobStateConflict('Job record disappeared while being created', { cause: err, context: { jobId: record.jobId } });
        return { created: false, job: existing };
      }
      const failed = reasons.findIndex((code, i) => i > 0 && code === 'ConditionalCheckFailed');
      if (failed > 0) throw guards[failed - 1].rejected();
      // TransactionConflict, throttling: transient, retried by the caller (SQS, the API client).
      throw err;
    }
  }

  async get(jobId: string): Promise<JobRecord | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { jobId }, ConsistentRead: true }));
    return out.Item as JobRecord | undefined;
  }

  async setExecutionArn(jobId: string, executionArn: string): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { jobId },
          UpdateExpression: 'SET executionArn = :arn',
          // RecordStart (the first state) writes the same ARN; either order is fine.
          ConditionExpression: 'attribute_exists(jobId) AND (attribute_not_exists(executionArn) OR executionArn = :arn)',
          ExpressionAttributeValues: { ':arn': executionArn },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
      const existing = await this.existingAfterConditionFailure(err, jobId);
      if (!existing) throw new JobNotFound(`Job ${jobId} does not exist`, { cause: err, context: { jobId } });
      throw new JobStateConflict('Job already has a different execution', {
        cause: err,
        context: { jobId, executionArn: existing.executionArn, status: existing.status },
      });
    }
  }

  async transition(jobId: string, to: JobStatus, fields: JobUpdate = {}): Promise<TransitionResult> {
    const from = statusesAllowedInto(to);
    if (from.length === 0) {
      // No status may move here (QUEUED is only ever created): answer without writing.
      const existing = await this.get(jobId);
      if (!existing) throw new JobNotFound(`Job ${jobId} does not exist`, { context: { jobId } });
      if (existing.status === to) return { changed: false, job: existing };
      throw new JobStateConflict(`Job cannot move from ${existing.status} to ${to}`, {
        context: { jobId, currentStatus: existing.status, requestedStatus: to },
      });
    }
    const names: Record<string, string> = { '#status': 'status' };
    const values: Record<string, unknown> = { ':to': to, ':updatedAt': this.now().toISOString() };
    const sets = ['#status = :to', 'updatedAt = :updatedAt'];
    for (const [field, value] of Object.entries(fields)) {
      if (value === undefined || field === 'updatedAt') continue;
      names[`#f_${field}`] = field;
      values[`:f_${field}`] = value;
      sets.push(`#f_${field} = :f_${field}`);
    }
    from.forEach((status, i) => (values[`:from${i}`] = status));
    const condition = `attribute_exists(jobId) AND #status IN (${from.map((_, i) => `:from${i}`).join(', ')})`;
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { jobId },
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { changed: true, job: out.Attributes as JobRecord };
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
      const existing = await this.existingAfterConditionFailure(err, jobId);
      if (!existing) throw new JobNotFound(`Job ${jobId} does not exist`, { cause: err, context: { jobId } });
      if (existing.status === to) return { changed: false, job: existing };
      throw new JobStateConflict(`Job cannot move from ${existing.status} to ${to}`, {
        cause: err,
        context: { jobId, currentStatus: existing.status, requestedStatus: to },
      });
    }
  }

  async updateProgress(jobId: string, percent: number, mediaConvertJobId?: string): Promise<boolean> {
    const progress = Math.max(0, Math.min(100, Math.round(percent)));
    const values: Record<string, unknown> = {
      ':p': progress,
      ':processing': 'PROCESSING',
      ':updatedAt': this.now().toISOString(),
    };
    let update = 'SET progress = :p, updatedAt = :updatedAt';
    if (mediaConvertJobId !== undefined) {
      update += ', mediaConvertJobId = :mc';
      values[':mc'] = mediaConvertJobId;
    }
    return this.conditionalUpdate({
      TableName: this.tableName,
      Key: { jobId },
      UpdateExpression: update,
      // Events arrive out of order; progress never goes backwards and stops once the job left PROCESSING.
      ConditionExpression: 'attribute_exists(jobId) AND #status = :processing AND (attribute_not_exists(progress) OR progress < :p)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: values,
    });
  }

  async recordMediaConvertError(jobId: string, error: MediaConvertErrorInfo): Promise<boolean> {
    const values: Record<string, unknown> = { ':e': error, ':updatedAt': this.now().toISOString() };
    let update = 'SET mediaConvertError = :e, updatedAt = :updatedAt';
    if (error.mediaConvertJobId !== undefined) {
      update += ', mediaConvertJobId = :mc';
      values[':mc'] = error.mediaConvertJobId;
    }
    return this.conditionalUpdate({
      TableName: this.tableName,
      Key: { jobId },
      UpdateExpression: update,
      ConditionExpression: 'attribute_exists(jobId)',
      ExpressionAttributeValues: values,
    });
  }

  async addWarning(jobId: string, warning: string): Promise<boolean> {
    return this.conditionalUpdate({
      TableName: this.tableName,
      Key: { jobId },
      UpdateExpression: 'SET warnings = list_append(if_not_exists(warnings, :none), :warning), updatedAt = :updatedAt',
      ConditionExpression: 'attribute_exists(jobId)',
      ExpressionAttributeValues: { ':none': [], ':warning': [warning], ':updatedAt': this.now().toISOString() },
    });
  }

  async listByStatus(status: JobStatus, options: ListOptions): Promise<ListResult> {
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: STATUS_INDEX_NAME,
        KeyConditionExpression: '#status = :status',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':status': status },
        ScanIndexForward: false,
        Limit: options.limit,
        ExclusiveStartKey: options.exclusiveStartKey,
      }),
    );
    return { items: (out.Items ?? []) as JobRecord[], lastEvaluatedKey: out.LastEvaluatedKey };
  }

  async listByOwner(owner: string, options: OwnerListOptions): Promise<ListResult> {
    const names: Record<string, string> = { '#owner': 'owner' };
    const values: Record<string, unknown> = { ':owner': owner };
    if (options.status !== undefined) {
      names['#status'] = 'status';
      values[':status'] = options.status;
    }
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: OWNER_INDEX_NAME,
        KeyConditionExpression: '#owner = :owner',
        // Inside the owner's own partition only; a page may hold fewer than Limit items.
        ...(options.status === undefined ? {} : { FilterExpression: '#status = :status' }),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ScanIndexForward: false,
        Limit: options.limit,
        ExclusiveStartKey: options.exclusiveStartKey,
      }),
    );
    return { items: (out.Items ?? []) as JobRecord[], lastEvaluatedKey: out.LastEvaluatedKey };
  }

  /**
   * The item that failed the condition: from the exception (ALL_OLD) when DynamoDB sends it,
   * else a consistent read (local stand-ins such as dynalite do not return it).
   */
  private async existingAfterConditionFailure(err: ConditionalCheckFailedException, jobId: string): Promise<JobRecord | undefined> {
    return oldItem(err) ?? (await this.get(jobId));
  }

  private async conditionalUpdate(input: ConstructorParameters<typeof UpdateCommand>[0]): Promise<boolean> {
    try {
      await this.doc.send(new UpdateCommand(input));
      return true;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return false;
      throw err;
    }
  }
}

/** Per-item cancellation codes of a cancelled transaction ('None' where the item was fine); undefined for other errors. */
function transactionReasons(err: unknown): string[] | undefined {
  const isCancelled = err instanceof TransactionCanceledException || (err as { name?: unknown })?.name === 'TransactionCanceledException';
  if (!isCancelled) return undefined;
  return ((err as TransactionCanceledException).CancellationReasons ?? []).map((r) => r.Code ?? 'None');
}

/** Statuses allowed to move to `to`, derived from ALLOWED_TRANSITIONS. */
function statusesAllowedInto(to: JobStatus): JobStatus[] {
  return (Object.keys(ALLOWED_TRANSITIONS) as JobStatus[]).filter((from) => ALLOWED_TRANSITIONS[from].includes(to));
}
