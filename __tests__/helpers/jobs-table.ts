/**
 * The one fake jobs table: DynamoJobStore's DocumentClient commands (mocked with
 * aws-sdk-client-mock) applied, with the store's conditions, to the harness's InMemoryJobTable.
 * The real-handler workflow bridges the run's table; handler and API tests use FakeJobsTable.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { OWNER_INDEX_NAME, type JobRecord, type JobStatus } from '../../handlers/shared/job';
import { conditionFailed } from '../fixtures/events';
import { HarnessError, InMemoryJobTable } from './asl-harness';

/**
 * Serves the DynamoJobStore commands from `table`: conditional create, consistent get,
 * setExecutionArn, status transitions (conditional on ALLOWED_TRANSITIONS, as the store's
 * `#status IN (...)` condition is), addWarning, and the status-index Query list-jobs makes.
 * Any other update fails loudly.
 */
export function bridgeJobTable(
  ddb: AwsClientStub<DynamoDBDocumentClient>,
  table: InMemoryJobTable,
  /** Called before every write is applied; throwing from it injects a DynamoDB fault. */
  beforeWrite: (command: 'Put' | 'Update' | 'TransactWrite', input: PutCommand['input'] | UpdateCommand['input'] | TransactWriteCommand['input']) => void = () => {},
  /** The uploads and limits tables, when the handlers under test have them (LIMITS_TABLE_NAME, UPLOADS_TABLE_NAME). */
  limits?: FakeLimitsTables,
): void {
  ddb.on(TransactWriteCommand).callsFake(async (input: TransactWriteCommand['input']) => {
    beforeWrite('TransactWrite', input);
    if (limits === undefined) throw new HarnessError('bridgeJobTable: a TransactWriteItems without FakeLimitsTables');
    const items = input.TransactItems ?? [];
    // All conditions are evaluated before anything is written, as DynamoDB does.
    const codes = items.map((item) => {
      if (item.Put) {
        const record = item.Put.Item as unknown as JobRecord;
        return table.get(record.jobId) === undefined ? 'None' : 'ConditionalCheckFailed';
      }
      if (item.Update) return limits.check(item.Update) ? 'None' : 'ConditionalCheckFailed';
      throw new HarnessError('bridgeJobTable: unexpected transaction item');
    });
    if (codes.some((c) => c !== 'None')) {
      throw new TransactionCanceledException({
        message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes.join(', ')}]`,
        $metadata: { httpStatusCode: 400 },
        CancellationReasons: codes.map((Code) => ({ Code })),
      });
    }
    for (const item of items) {
      if (item.Put) table.seed(item.Put.Item as unknown as JobRecord);
      if (item.Update) limits.apply(item.Update);
    }
    return {};
  });
  ddb.on(PutCommand).callsFake(async (input: PutCommand['input']) => {
    beforeWrite('Put', input);
    if (limits?.owns(input.TableName)) return limits.put(input);
    const item = input.Item as unknown as JobRecord;
    const existing = table.get(item.jobId);
    if (existing !== undefined && input.ConditionExpression === 'attribute_not_exists(jobId)') throw conditionFailed(existing);
    table.seed(item);
    return {};
  });
  ddb.on(GetCommand).callsFake(async (input: GetCommand['input']) => {
    if (limits?.owns(input.TableName)) return limits.getCommand(input);
    const item = table.get(input.Key?.jobId as string);
    return item === undefined ? {} : { Item: item };
  });
  ddb.on(QueryCommand).callsFake(async (input: QueryCommand['input']) => {
    // The status or owner index, newest first (createdAt, then jobId, descending), paged like
    // DynamoDB: Limit counts the items read from the partition, the status filter (owner index)
    // applies after it, so a page may hold fewer items.
    const values = input.ExpressionAttributeValues ?? {};
    const byOwner = input.IndexName === OWNER_INDEX_NAME;
    const partition = table
      .all()
      .filter((i) => (byOwner ? i.owner === values[':owner'] : i.status === values[':status']))
      .sort((a, b) => String(b.createdAt).localeCompare(String(a.createdAt)) || String(b.jobId).localeCompare(String(a.jobId)));
    const start = input.ExclusiveStartKey;
    const from = start === undefined ? 0 : partition.findIndex((i) => i.jobId === start.jobId) + 1;
    const limit = input.Limit ?? partition.length;
    const read = partition.slice(from, from + limit);
    const last = read[read.length - 1];
    const more = from + limit < partition.length;
    const page = byOwner && input.FilterExpression !== undefined ? read.filter((i) => i.status === values[':status']) : read;
    const indexKey = (i: JobRecord) => (byOwner ? { jobId: i.jobId, owner: i.owner, createdAt: i.createdAt } : { jobId: i.jobId, status: i.status, createdAt: i.createdAt });
    return {
      Items: page,
      ...(more && last !== undefined ? { LastEvaluatedKey: indexKey(last) } : {}),
    };
  });
  ddb.on(UpdateCommand).callsFake(async (input: UpdateCommand['input']) => {
    beforeWrite('Update', input);
    if (limits?.owns(input.TableName)) {
      if (!limits.check(input)) throw conditionFailed();
      limits.apply(input);
      return {};
    }
    const jobId = input.Key?.jobId as string;
    const values = input.ExpressionAttributeValues ?? {};
    const existing = table.get(jobId);
    if (input.UpdateExpression === 'SET executionArn = :arn') {
      const arn = values[':arn'] as string;
      if (existing === undefined || (existing.executionArn !== undefined && existing.executionArn !== arn)) throw conditionFailed(existing);
      table.seed({ ...existing, executionArn: arn });
      return {};
    }
    if (typeof values[':to'] === 'string') {
      const fields: Record<string, unknown> = { updatedAt: values[':updatedAt'] };
      for (const [token, value] of Object.entries(values)) if (token.startsWith(':f_')) fields[token.slice(3)] = value;
      if (!table.transition(jobId, values[':to'] as JobStatus, fields, 'DocumentClient')) throw conditionFailed(existing);
      return { Attributes: table.get(jobId) };
    }
    if (input.UpdateExpression?.startsWith('SET warnings = list_append')) {
      if (existing === undefined) throw conditionFailed(existing);
      table.addWarning(jobId, (values[':warning'] as string[])[0], 'DocumentClient');
      return {};
    }
    throw new HarnessError(`bridgeJobTable does not model the update: ${input.UpdateExpression}`);
  });
}

/**
 * A job table of its own behind a mocked DocumentClient: put-if-absent (ConditionalCheckFailed
 * carries the old item, as with ALL_OLD), consistent get, the store's updates and the status
 * query, so duplicates and races behave like DynamoDB.
 */
export class FakeJobsTable {
  readonly table = new InMemoryJobTable();

  constructor(ddb: AwsClientStub<DynamoDBDocumentClient>, readonly limits?: FakeLimitsTables) {
    bridgeJobTable(ddb, this.table, undefined, limits);
  }

  /** Seeds a record. */
  put(record: JobRecord): void {
    this.table.seed(record);
  }

  /** The stored record: the same object until a write replaces it. */
  get(jobId: string): JobRecord | undefined {
    return this.table.current(jobId);
  }

  get size(): number {
    return this.table.size;
  }

  /** The records by job id (a read-only view). */
  get items(): ReadonlyMap<string, JobRecord> {
    return new Map(this.table.all().map((record) => [record.jobId, this.table.current(record.jobId)!]));
  }
}

export const TEST_LIMITS_TABLE = 'video-workflow-test-limits';
export const TEST_UPLOADS_TABLE = 'video-workflow-test-uploads';

/** The environment that gives start-job its limits (handlers/shared/limits.ts) over FakeLimitsTables. */
export const limitsEnv = (maxJobsPerOwnerPerDay: number) => ({
  LIMITS_TABLE_NAME: TEST_LIMITS_TABLE,
  UPLOADS_TABLE_NAME: TEST_UPLOADS_TABLE,
  MAX_JOBS_PER_OWNER_PER_DAY: String(maxJobsPerOwnerPerDay),
});

type Item = Record<string, unknown>;

/**
 * The uploads and limits tables (stacks/limits.ts) in memory: the reservation put, the
 * reservation consume, the quota counter and the run lock, each with the condition DynamoLimits
 * sends evaluated as DynamoDB would. Any other expression fails loudly.
 */
export class FakeLimitsTables {
  readonly uploads = new Map<string, Item>();
  readonly limits = new Map<string, Item>();

  constructor(
    private readonly limitsTable = TEST_LIMITS_TABLE,
    private readonly uploadsTable = TEST_UPLOADS_TABLE,
  ) {}

  owns(tableName: string | undefined): boolean {
    return tableName === this.limitsTable || tableName === this.uploadsTable;
  }

  /** Today's job count of `owner` (0 when nothing was counted). */
  count(owner: string, day: string): number {
    return (this.limits.get(`quota#${owner}#${day}`)?.jobCount as number | undefined) ?? 0;
  }

  private tableOf(name: string | undefined): { map: Map<string, Item>; keyName: string } {
    if (name === this.uploadsTable) return { map: this.uploads, keyName: 'key' };
    if (name === this.limitsTable) return { map: this.limits, keyName: 'pk' };
    throw new HarnessError(`FakeLimitsTables: unknown table ${name}`);
  }

  put(input: PutCommand['input']): Record<string, never> {
    const { map, keyName } = this.tableOf(input.TableName);
    const item = input.Item as Item;
    const key = item[keyName] as string;
    if (map.has(key) && input.ConditionExpression !== undefined) throw conditionFailed();
    map.set(key, { ...item });
    return {};
  }

  getCommand(input: GetCommand['input']): { Item?: Item } {
    const { map, keyName } = this.tableOf(input.TableName);
    const item = map.get(input.Key?.[keyName] as string);
    return item === undefined ? {} : { Item: { ...item } };
  }

  /** Whether the update's condition holds now. */
  check(input: UpdateCommand['input']): boolean {
    const { map, keyName } = this.tableOf(input.TableName);
    const current = map.get(input.Key?.[keyName] as string) ?? {};
    const v = input.ExpressionAttributeValues ?? {};
    switch (input.ConditionExpression) {
      case 'attribute_not_exists(consumedVersion) OR consumedVersion = :version':
        return current.consumedVersion === undefined || current.consumedVersion === v[':version'];
      case 'attribute_not_exists(jobCount) OR jobCount < :limit':
        return current.jobCount === undefined || (current.jobCount as number) < (v[':limit'] as number);
      case 'attribute_not_exists(activeJobId)':
        return current.activeJobId === undefined;
      case 'activeJobId = :previous':
        return current.activeJobId === v[':previous'];
      default:
        throw new HarnessError(`FakeLimitsTables does not model the condition: ${input.ConditionExpression}`);
    }
  }

  apply(input: UpdateCommand['input']): void {
    const { map, keyName } = this.tableOf(input.TableName);
    const key = input.Key?.[keyName] as string;
    const current: Item = { ...(map.get(key) ?? { [keyName]: key }) };
    const v = input.ExpressionAttributeValues ?? {};
    if (input.UpdateExpression?.startsWith('SET consumedVersion')) {
      current.consumedVersion = v[':version'];
      current.consumedAt ??= v[':now'];
      current.owner ??= v[':owner'];
      current.expiresAt = v[':keep'];
    } else if (input.UpdateExpression?.startsWith('ADD jobCount')) {
      current.jobCount = ((current.jobCount as number | undefined) ?? 0) + (v[':one'] as number);
      current.expiresAt ??= v[':ttl'];
    } else if (input.UpdateExpression?.startsWith('SET activeJobId')) {
      current.activeJobId = v[':job'];
      current.expiresAt = v[':ttl'];
    } else {
      throw new HarnessError(`FakeLimitsTables does not model the update: ${input.UpdateExpression}`);
    }
    map.set(key, current);
  }
}
