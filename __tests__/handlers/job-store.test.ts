import { CreateTableCommand, DynamoDBClient, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { JobNotFound, JobStateConflict } from '../../handlers/shared/errors';
import { DynamoJobStore, STATUS_INDEX_NAME } from '../../handlers/shared/job-store';
import { conditionFailed, FIXED_NOW, JOB_ID, jobRecord } from '../fixtures/events';

const TABLE = 'video-workflow-dev-jobs';
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' }));
// Mocks this one instance only, so the dynalite tests below use a real client.
const ddb = mockClient(doc);
const store = new DynamoJobStore(doc, TABLE, () => FIXED_NOW);

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

  it('throws JobNotFound when there is no item (checked with a consistent read when the exception carries none)', async () => {
    // Prepare
    ddb.on(UpdateCommand).rejects(conditionFailed());
    ddb.on(GetCommand).resolves({});
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

/**
 * The same store against dynalite (a local DynamoDB on loopback, as the local run uses): the
 * condition expressions are evaluated for real, not just asserted as strings.
 */
describe('DynamoJobStore against dynalite', () => {
  const dynalite = require('dynalite');
  let server: { listen: (port: number, host: string, cb: () => void) => void; address: () => { port: number }; close: (cb: () => void) => void };
  let real: DynamoJobStore;
  const record = jobRecord({ status: 'QUEUED' });

  beforeAll(async () => {
    server = dynalite({ createTableMs: 0 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = new DynamoDBClient({
      endpoint: `http://127.0.0.1:${server.address().port}`,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    await client.send(
      new CreateTableCommand({
        TableName: TABLE,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'jobId', KeyType: 'HASH' }],
        AttributeDefinitions: [
          { AttributeName: 'jobId', AttributeType: 'S' },
          { AttributeName: 'status', AttributeType: 'S' },
          { AttributeName: 'createdAt', AttributeType: 'S' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: STATUS_INDEX_NAME,
            KeySchema: [{ AttributeName: 'status', KeyType: 'HASH' }, { AttributeName: 'createdAt', KeyType: 'RANGE' }],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      }),
    );
    real = new DynamoJobStore(DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }), TABLE, () => FIXED_NOW);
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('walks a job through its life with every condition enforced', async () => {
    // Act + Assess (each step depends on the previous one)
    expect((await real.create(record)).created).toBe(true);
    expect(await real.create({ ...record, trigger: 'api' })).toEqual({ created: false, job: record });
    await real.setExecutionArn(JOB_ID, 'arn:exec');
    await real.setExecutionArn(JOB_ID, 'arn:exec'); // same ARN again (RecordStart writes it too)
    await expect(real.setExecutionArn(JOB_ID, 'arn:other')).rejects.toMatchObject({ name: 'JobStateConflict' });
    expect(await real.updateProgress(JOB_ID, 10)).toBe(false); // not PROCESSING yet
    expect((await real.transition(JOB_ID, 'PROCESSING', { startedAt: 's' })).changed).toBe(true);
    expect(await real.updateProgress(JOB_ID, 40, 'mc-1')).toBe(true);
    expect(await real.updateProgress(JOB_ID, 30)).toBe(false); // never lowered
    expect(await real.recordMediaConvertError(JOB_ID, { code: 1010, message: 'm' })).toBe(true);
    expect((await real.transition(JOB_ID, 'COMPLETED', { progress: 100 })).changed).toBe(true);
    expect((await real.transition(JOB_ID, 'COMPLETED', { progress: 100 })).changed).toBe(false);
    await expect(real.transition(JOB_ID, 'FAILED', {})).rejects.toMatchObject({ name: 'JobStateConflict', context: { currentStatus: 'COMPLETED' } });
    expect(await real.updateProgress(JOB_ID, 90)).toBe(false); // finished
    expect(await real.addWarning(JOB_ID, 'notification failed: X')).toBe(true);
    expect(await real.addWarning('ffffffffffffffffffffffffffffffff', 'w')).toBe(false);
    await expect(real.transition('ffffffffffffffffffffffffffffffff', 'FAILED', {})).rejects.toMatchObject({ name: 'JobNotFound' });

    const stored = await real.get(JOB_ID);
    expect(stored).toMatchObject({
      status: 'COMPLETED',
      executionArn: 'arn:exec',
      progress: 100,
      mediaConvertJobId: 'mc-1',
      mediaConvertError: { code: 1010, message: 'm' },
      warnings: ['notification failed: X'],
    });
    const listed = await real.listByStatus('COMPLETED', { limit: 10 });
    expect(listed.items.map((j) => j.jobId)).toEqual([JOB_ID]);
    expect((await real.listByStatus('QUEUED', { limit: 10 })).items).toEqual([]);
  });
});
