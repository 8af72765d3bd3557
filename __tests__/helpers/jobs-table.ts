/**
 * The one fake jobs table: DynamoJobStore's DocumentClient commands (mocked with
 * aws-sdk-client-mock) applied, with the store's conditions, to the harness's InMemoryJobTable.
 * The real-handler workflow bridges the run's table; handler and API tests use FakeJobsTable.
 */
import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import type { JobRecord, JobStatus } from '../../handlers/shared/job';
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
  beforeWrite: (command: 'Put' | 'Update', input: PutCommand['input'] | UpdateCommand['input']) => void = () => {},
): void {
  ddb.on(PutCommand).callsFake(async (input: PutCommand['input']) => {
    beforeWrite('Put', input);
    const item = input.Item as unknown as JobRecord;
    const existing = table.get(item.jobId);
    if (existing !== undefined && input.ConditionExpression === 'attribute_not_exists(jobId)') throw conditionFailed(existing);
    table.seed(item);
    return {};
  });
  ddb.on(GetCommand).callsFake(async (input: GetCommand['input']) => {
    const item = table.get(input.Key?.jobId as string);
    return item === undefined ? {} : { Item: item };
  });
  ddb.on(QueryCommand).callsFake(async (input: QueryCommand['input']) => {
    // The status index, newest first (createdAt, then jobId, descending), paged like DynamoDB.
    const status = input.ExpressionAttributeValues?.[':status'];
    const sorted = table
      .all()
      .filter((i) => i.status === status)
      .sort((a, b) => String(b.createdAt).localeCompare(String(a.createdAt)) || String(b.jobId).localeCompare(String(a.jobId)));
    const start = input.ExclusiveStartKey;
    const from = start === undefined ? 0 : sorted.findIndex((i) => i.jobId === start.jobId) + 1;
    const limit = input.Limit ?? sorted.length;
    const page = sorted.slice(from, from + limit);
    const last = page[page.length - 1];
    const more = from + limit < sorted.length;
    return {
      Items: page,
      ...(more && last !== undefined ? { LastEvaluatedKey: { jobId: last.jobId, status: last.status, createdAt: last.createdAt } } : {}),
    };
  });
  ddb.on(UpdateCommand).callsFake(async (input: UpdateCommand['input']) => {
    beforeWrite('Update', input);
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

  constructor(ddb: AwsClientStub<DynamoDBDocumentClient>) {
    bridgeJobTable(ddb, this.table);
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
