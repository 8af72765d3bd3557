import { ExecutionAlreadyExists, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { JobRecord } from '../../handlers/shared/job';
import { conditionFailed } from '../fixtures/events';

/**
 * Stateful stand-ins behind aws-sdk-client-mock, so duplicates and races behave like the real
 * services: the conditional put fails for an existing jobId (returning the old item, as
 * ReturnValuesOnConditionCheckFailure ALL_OLD does) and StartExecution is idempotent by name.
 */
export class FakeJobsTable {
  readonly items = new Map<string, Record<string, unknown>>();

  constructor(ddb: AwsClientStub<DynamoDBDocumentClient>) {
    ddb.on(PutCommand).callsFake(async (input: PutCommand['input']) => {
      await Promise.resolve();
      const item = input.Item as Record<string, unknown>;
      const existing = this.items.get(item.jobId as string);
      if (existing !== undefined && input.ConditionExpression === 'attribute_not_exists(jobId)') {
        throw conditionFailed(existing as unknown as JobRecord);
      }
      this.items.set(item.jobId as string, structuredClone(item));
      return {};
    });
    ddb.on(GetCommand).callsFake(async (input: GetCommand['input']) => {
      const item = this.items.get(input.Key?.jobId as string);
      return item === undefined ? {} : { Item: structuredClone(item) };
    });
    ddb.on(UpdateCommand).callsFake(async (input: UpdateCommand['input']) => {
      // The only update the API path makes: start-job's setExecutionArn.
      if (input.UpdateExpression !== 'SET executionArn = :arn') throw new Error(`unexpected update ${input.UpdateExpression}`);
      const item = this.items.get(input.Key?.jobId as string);
      const arn = input.ExpressionAttributeValues?.[':arn'];
      if (item === undefined || (item.executionArn !== undefined && item.executionArn !== arn)) {
        throw conditionFailed();
      }
      item.executionArn = arn;
      return {};
    });
    ddb.on(QueryCommand).callsFake(async (input: QueryCommand['input']) => {
      const status = input.ExpressionAttributeValues?.[':status'];
      const sorted = [...this.items.values()]
        .filter((i) => i.status === status)
        .sort((a, b) => String(b.createdAt).localeCompare(String(a.createdAt)) || String(b.jobId).localeCompare(String(a.jobId)));
      const start = input.ExclusiveStartKey;
      const from = start === undefined ? 0 : sorted.findIndex((i) => i.jobId === start.jobId) + 1;
      const limit = input.Limit ?? sorted.length;
      const page = sorted.slice(from, from + limit);
      const last = page[page.length - 1];
      const more = from + limit < sorted.length;
      return {
        Items: page.map((i) => structuredClone(i)),
        ...(more && last !== undefined
          ? { LastEvaluatedKey: { jobId: last.jobId, status: last.status, createdAt: last.createdAt } }
          : {}),
      };
    });
  }

  put(record: JobRecord): void {
    this.items.set(record.jobId, structuredClone(record) as unknown as Record<string, unknown>);
  }
}

export class FakeStateMachine {
  /** Execution name -> input, one entry per execution that really exists. */
  readonly executions = new Map<string, string>();

  constructor(sfn: AwsClientStub<SFNClient>) {
    sfn.on(StartExecutionCommand).callsFake(async (input: StartExecutionCommand['input']) => {
      const name = input.name as string;
      const arn = `${(input.stateMachineArn as string).replace(':stateMachine:', ':execution:')}:${name}`;
      const existing = this.executions.get(name);
      // Same name and input as an existing execution: Step Functions answers with that execution.
      if (existing !== undefined && existing !== input.input) {
        throw new ExecutionAlreadyExists({ message: `Execution Already Exists: '${arn}'`, $metadata: {} });
      }
      this.executions.set(name, input.input as string);
      return { executionArn: arn, startDate: new Date() };
    });
  }
}
