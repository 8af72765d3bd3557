import { ConditionalCheckFailedException, DynamoDBClient, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { JobNotFound, JobStateConflict } from '../../handlers/shared/errors';
import { JobRecord } from '../../handlers/shared/job';
import { DynamoJobStore, STATUS_INDEX_NAME } from '../../handlers/shared/job-store';
import { FIXED_NOW, JOB_ID, jobRecord } from '../fixtures/events';

const TABLE = 'video-workflow-dev-jobs';
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' }));
const ddb = mockClient(DynamoDBDocumentClient);
const store = new DynamoJobStore(doc, TABLE, () => FIXED_NOW);

function conditionFailed(existing?: JobRecord): ConditionalCheckFailedException {
  return new ConditionalCheckFailedException({
    message: 'The conditional request failed',
    $metadata: { httpStatusCode: 400 },
    Item: existing ? marshall(existing, { removeUndefinedValues: true }) : undefined,
  });
}

beforeEach(() => ddb.reset());

describe('create', () => {
  it('puts the record only when the job id is new', async () => {
    // Prepare
    const record = jobRecord({ status: 'QUEUED' });
    ddb.on(PutCommand).resolves({});
    // Act
    const result = await store.create(record);
    // Assess
    expect(result).toEqual({ created: true, job: record });
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      TableName: TABLE,
      Item: record,
      ConditionExpression: 'attribute_not_exists(jobId)',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
  });

  it('returns the existing item from the failed condition without a second read', async () => {
    // Prepare
    const existing = jobRecord({ status: 'PROCESSING', executionArn: 'arn:exec' });
    ddb.on(PutCommand).rejects(conditionFailed(existing));
    // Act
    const result = await store.create(jobRecord({ status: 'QUEUED' }));
    // Assess
    expect(result).toEqual({ created: false, job: existing });
    expect(ddb).not.toHaveReceivedCommand(GetCommand);
  });

  it('reads the existing item when the exception carries none', async () => {
    // Prepare
    const existing = jobRecord({ status: 'QUEUED' });
    ddb.on(PutCommand).rejects(conditionFailed());
    ddb.on(GetCommand).resolves({ Item: existing });
    // Act
    const result = await store.create(jobRecord({ status: 'QUEUED' }));
    // Assess
    expect(result).toEqual({ created: false, job: existing });
    expect(ddb).toHaveReceivedCommandWith(GetCommand, { TableName: TABLE, Key: { jobId: JOB_ID }, ConsistentRead: true });
  });

  it('passes throttling through unchanged so the caller retries', async () => {
    // Prepare
    const throttled = new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} });
    ddb.on(PutCommand).rejects(throttled);
    // Act
    const act = store.create(jobRecord());
    // Assess
    await expect(act).rejects.toBe(throttled);
  });
});

describe('transition', () => {
  it('is conditional on the statuses allowed to move to the target', async () => {
    // Prepare
    const updated = jobRecord({ status: 'COMPLETED', progress: 100 });
    ddb.on(UpdateCommand).resolves({ Attributes: updated });
    // Act
    const result = await store.transition(JOB_ID, 'COMPLETED', { progress: 100, finishedAt: 'f', warnings: undefined });
    // Assess
    expect(result).toEqual({ changed: true, job: updated });
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: TABLE,
      Key: { jobId: JOB_ID },
      UpdateExpression: 'SET #status = :to, updatedAt = :updatedAt, #f_progress = :f_progress, #f_finishedAt = :f_finishedAt',
      ConditionExpression: 'attribute_exists(jobId) AND #status IN (:from0)',
      ExpressionAttributeNames: { '#status': 'status', '#f_progress': 'progress', '#f_finishedAt': 'finishedAt' },
      ExpressionAttributeValues: {
        ':to': 'COMPLETED',
        ':updatedAt': FIXED_NOW.toISOString(),
        ':f_progress': 100,
        ':f_finishedAt': 'f',
        ':from0': 'PROCESSING',
      },
      ReturnValues: 'ALL_NEW',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
  });

  it('allows FAILED from QUEUED and PROCESSING', async () => {
    // Prepare
    ddb.on(UpdateCommand).resolves({ Attributes: jobRecord({ status: 'FAILED' }) });
    // Act
    await store.transition(JOB_ID, 'FAILED', { error: { name: 'X', cause: 'y' } });
    // Assess
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      ConditionExpression: 'attribute_exists(jobId) AND #status IN (:from0, :from1)',
      ExpressionAttributeValues: expect.objectContaining({ ':from0': 'QUEUED', ':from1': 'PROCESSING', ':f_error': { name: 'X', cause: 'y' } }),
    });
  });

  it('returns the existing record unchanged when it is already in the target status', async () => {
    // Prepare
    const existing = jobRecord({ status: 'COMPLETED', progress: 100 });
    ddb.on(UpdateCommand).rejects(conditionFailed(existing));
    // Act
    const result = await store.transition(JOB_ID, 'COMPLETED', { progress: 100 });
    // Assess
    expect(result).toEqual({ changed: false, job: existing });
  });

  it('throws JobStateConflict with the current status for a forbidden move', async () => {
    // Prepare
    ddb.on(UpdateCommand).rejects(conditionFailed(jobRecord({ status: 'COMPLETED' })));
    // Act
    const act = store.transition(JOB_ID, 'FAILED', {});
    // Assess
    await expect(act).rejects.toBeInstanceOf(JobStateConflict);
    await expect(act).rejects.toMatchObject({
      name: 'JobStateConflict',
      context: { jobId: JOB_ID, currentStatus: 'COMPLETED', requestedStatus: 'FAILED' },
    });
  });

  it('throws JobNotFound when there is no item', async () => {
    // Prepare
    ddb.on(UpdateCommand).rejects(conditionFailed());
    // Act
    const act = store.transition(JOB_ID, 'COMPLETED', {});
    // Assess
    await expect(act).rejects.toBeInstanceOf(JobNotFound);
  });

  it('never writes a move into QUEUED (no status may go back there)', async () => {
    // Prepare
    ddb.on(GetCommand).resolves({ Item: jobRecord({ status: 'PROCESSING' }) });
    // Act
    const act = store.transition(JOB_ID, 'QUEUED', {});
    // Assess
    await expect(act).rejects.toMatchObject({ name: 'JobStateConflict', context: { currentStatus: 'PROCESSING' } });
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
  });
});

describe('setExecutionArn', () => {
  it('sets the ARN unless a different one is stored', async () => {
    // Prepare
    ddb.on(UpdateCommand).resolves({});
    // Act
    await store.setExecutionArn(JOB_ID, 'arn:exec');
    // Assess
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: TABLE,
      Key: { jobId: JOB_ID },
      UpdateExpression: 'SET executionArn = :arn',
      ConditionExpression: 'attribute_exists(jobId) AND (attribute_not_exists(executionArn) OR executionArn = :arn)',
      ExpressionAttributeValues: { ':arn': 'arn:exec' },
    });
  });

  it('reports a different stored ARN as JobStateConflict', async () => {
    // Prepare
    ddb.on(UpdateCommand).rejects(conditionFailed(jobRecord({ executionArn: 'arn:other' })));
    // Act
    const act = store.setExecutionArn(JOB_ID, 'arn:exec');
    // Assess
    await expect(act).rejects.toMatchObject({ name: 'JobStateConflict', context: { executionArn: 'arn:other' } });
  });
});

describe('updateProgress', () => {
  it('raises progress only while PROCESSING and never lowers it', async () => {
    // Prepare
    ddb.on(UpdateCommand).resolves({});
    // Act
    const updated = await store.updateProgress(JOB_ID, 42.4, 'mc-1');
    // Assess
    expect(updated).toBe(true);
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: TABLE,
      Key: { jobId: JOB_ID },
      UpdateExpression: 'SET progress = :p, updatedAt = :updatedAt, mediaConvertJobId = :mc',
      ConditionExpression: 'attribute_exists(jobId) AND #status = :processing AND (attribute_not_exists(progress) OR progress < :p)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':p': 42, ':processing': 'PROCESSING', ':updatedAt': FIXED_NOW.toISOString(), ':mc': 'mc-1' },
    });
  });

  it('swallows a failed condition and reports false', async () => {
    // Prepare
    ddb.on(UpdateCommand).rejects(conditionFailed());
    // Act
    const updated = await store.updateProgress(JOB_ID, 10);
    // Assess
    expect(updated).toBe(false);
  });

  it('lets other errors through', async () => {
    // Prepare
    ddb.on(UpdateCommand).rejects(new ProvisionedThroughputExceededException({ message: 'slow', $metadata: {} }));
    // Act
    const act = store.updateProgress(JOB_ID, 10);
    // Assess
    await expect(act).rejects.toMatchObject({ name: 'ProvisionedThroughputExceededException' });
  });
});

describe('recordMediaConvertError and addWarning', () => {
  it('stores the MediaConvert error without touching the status', async () => {
    // Prepare
    ddb.on(UpdateCommand).resolves({});
    const error = { code: 1010, message: 'bad input', mediaConvertJobId: 'mc-1' };
    // Act
    const stored = await store.recordMediaConvertError(JOB_ID, error);
    // Assess
    expect(stored).toBe(true);
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      UpdateExpression: 'SET mediaConvertError = :e, updatedAt = :updatedAt, mediaConvertJobId = :mc',
      ConditionExpression: 'attribute_exists(jobId)',
      ExpressionAttributeValues: { ':e': error, ':updatedAt': FIXED_NOW.toISOString(), ':mc': 'mc-1' },
    });
  });

  it('appends a warning', async () => {
    // Prepare
    ddb.on(UpdateCommand).resolves({});
    // Act
    const stored = await store.addWarning(JOB_ID, 'notification failed: X');
    // Assess
    expect(stored).toBe(true);
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      UpdateExpression: 'SET warnings = list_append(if_not_exists(warnings, :none), :warning), updatedAt = :updatedAt',
      ExpressionAttributeValues: { ':none': [], ':warning': ['notification failed: X'], ':updatedAt': FIXED_NOW.toISOString() },
    });
  });

  it('reports an unknown job as false', async () => {
    // Prepare
    ddb.on(UpdateCommand).rejects(conditionFailed());
    // Act
    const stored = await store.recordMediaConvertError(JOB_ID, { code: 1, message: 'm' });
    // Assess
    expect(stored).toBe(false);
  });
});

describe('listByStatus', () => {
  it('queries the status index newest first (never a Scan)', async () => {
    // Prepare
    const items = [jobRecord({ status: 'FAILED' })];
    const lastKey = { jobId: JOB_ID, status: 'FAILED', createdAt: '2026-01-02T03:00:00.000Z' };
    ddb.on(QueryCommand).resolves({ Items: items, LastEvaluatedKey: lastKey });
    // Act
    const result = await store.listByStatus('FAILED', { limit: 25, exclusiveStartKey: { jobId: 'x' } });
    // Assess
    expect(result).toEqual({ items, lastEvaluatedKey: lastKey });
    expect(ddb).toHaveReceivedCommandWith(QueryCommand, {
      TableName: TABLE,
      IndexName: STATUS_INDEX_NAME,
      KeyConditionExpression: '#status = :status',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':status': 'FAILED' },
      ScanIndexForward: false,
      Limit: 25,
      ExclusiveStartKey: { jobId: 'x' },
    });
  });
});
