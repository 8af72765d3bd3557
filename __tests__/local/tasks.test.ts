import { ConditionalCheckFailedException, DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { UnsupportedMedia } from '../../handlers/shared/errors';
import { dynamoDbTask, InvocationQueue, lambdaTask, snsPublishTask, StatesError } from '../../local/tasks';
import { statusUpdateIntervalMs } from '../../local/transcoder';

const ddbMock = mockClient(DynamoDBClient);
const snsMock = mockClient(SNSClient);

beforeEach(() => {
  ddbMock.reset();
  snsMock.reset();
});

const updateParams = {
  TableName: 'jobs',
  Key: { jobId: { S: 'abc' } },
  UpdateExpression: 'SET #status = :processing',
  ConditionExpression: '#status = :queued',
  ExpressionAttributeNames: { '#status': 'status' },
  ExpressionAttributeValues: { ':processing': { S: 'PROCESSING' }, ':queued': { S: 'QUEUED' } },
};

describe('dynamoDbTask', () => {
  it('sends the Task Parameters as the UpdateItem request and returns the output without $metadata', async () => {
    // Prepare
    ddbMock.on(UpdateItemCommand).resolves({ Attributes: { jobId: { S: 'abc' } }, $metadata: { httpStatusCode: 200 } });

    // Act
    const result = await dynamoDbTask(new DynamoDBClient({}), 'updateItem')(updateParams);

    // Assess
    expect(ddbMock).toHaveReceivedCommandTimes(UpdateItemCommand, 1);
    expect(ddbMock).toHaveReceivedCommandWith(UpdateItemCommand, updateParams);
    expect(result).toEqual({ Attributes: { jobId: { S: 'abc' } } });
  });

  it('names a failed condition DynamoDB.ConditionalCheckFailedException, as the service integration does', async () => {
    // Prepare
    ddbMock
      .on(UpdateItemCommand)
      .rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: { httpStatusCode: 400, requestId: 'r1' } }));

    // Act
    const act = dynamoDbTask(new DynamoDBClient({}), 'updateItem')(updateParams);

    // Assess
    await expect(act).rejects.toBeInstanceOf(StatesError);
    await expect(act).rejects.toMatchObject({
      name: 'DynamoDB.ConditionalCheckFailedException',
      message: 'The conditional request failed (Service: DynamoDB, Status Code: 400, Error Code: ConditionalCheckFailedException, Request ID: r1)',
    });
  });

  it('refuses an operation it does not implement, as a States.Runtime error', async () => {
    // Act
    const act = dynamoDbTask(new DynamoDBClient({}), 'transactWriteItems')({});

    // Assess
    await expect(act).rejects.toMatchObject({ name: 'States.Runtime', message: 'dynamodb:transactWriteItems is not supported by the local run' });
    expect(ddbMock.calls()).toHaveLength(0);
  });
});

describe('snsPublishTask', () => {
  it('serialises a JSON Message to a string before publishing, as Step Functions does', async () => {
    // Prepare
    snsMock.on(PublishCommand).resolves({ MessageId: 'm1', $metadata: {} });

    // Act
    const result = await snsPublishTask(new SNSClient({}))({ TopicArn: 'arn:aws:sns:us-east-1:0:t', Subject: 'Video job failed', Message: { event: 'JOB_FAILED', jobId: 'abc' } });

    // Assess
    expect(snsMock).toHaveReceivedCommandWith(PublishCommand, {
      TopicArn: 'arn:aws:sns:us-east-1:0:t',
      Subject: 'Video job failed',
      Message: '{"event":"JOB_FAILED","jobId":"abc"}',
    });
    expect(result).toEqual({ MessageId: 'm1' });
  });
});

describe('lambdaTask', () => {
  it('passes a JSON copy of the input and returns a JSON copy of the result', async () => {
    // Prepare
    const input = { jobId: 'abc', nested: { n: 1 } };
    let received: unknown;
    const handler = async (event: unknown) => {
      received = event;
      return { at: new Date('2026-01-01T00:00:00Z'), skipped: undefined };
    };

    // Act
    const result = await lambdaTask('fn', 'arn:aws:lambda:us-east-1:0:function:fn', handler, 1000)(input);

    // Assess
    expect(received).toEqual(input);
    expect(received).not.toBe(input);
    expect(result).toEqual({ at: '2026-01-01T00:00:00.000Z' });
  });

  it('turns a thrown error into Error = its name and Cause = the Lambda error payload', async () => {
    // Prepare
    const handler = async () => {
      throw new UnsupportedMedia('Source is not a recognised media container');
    };

    // Act
    const error = (await lambdaTask('fn', 'arn', handler, 1000)({}).catch((e: unknown) => e)) as StatesError;

    // Assess
    expect(error).toBeInstanceOf(StatesError);
    expect(error.name).toBe('UnsupportedMedia');
    expect(JSON.parse(error.message)).toMatchObject({ errorType: 'UnsupportedMedia', errorMessage: 'Source is not a recognised media container' });
    expect(Array.isArray(JSON.parse(error.message).trace)).toBe(true);
  });

  it('fails with States.DataLimitExceeded when the result is over 256 KB', async () => {
    // Prepare
    const handler = async () => ({ blob: 'x'.repeat(256 * 1024) });

    // Act
    const act = lambdaTask('big', 'arn', handler, 1000)({});

    // Assess
    await expect(act).rejects.toMatchObject({ name: 'States.DataLimitExceeded' });
  });

  it('gives the handler a context with the function name and the remaining time', async () => {
    // Prepare
    let seen: { name: string; remaining: number } | undefined;
    const handler = async (_e: unknown, ctx: { functionName: string; getRemainingTimeInMillis(): number }) => {
      seen = { name: ctx.functionName, remaining: ctx.getRemainingTimeInMillis() };
      return null;
    };

    // Act
    await lambdaTask('video-workflow-local-publish', 'arn', handler, 60_000)({});

    // Assess
    expect(seen?.name).toBe('video-workflow-local-publish');
    expect(seen?.remaining).toBeGreaterThan(59_000);
    expect(seen?.remaining).toBeLessThanOrEqual(60_000);
  });
});

describe('lambdaTask with the timeout counted from the handler start', () => {
  it('lets a handler that waited its turn longer than its timeout run, and times out one that runs too long', async () => {
    // Prepare: 50 ms timeouts; two 40 ms invocations hold the queue for 80 ms before the third
    const queue = new InvocationQueue();
    const sleepThen = (ms: number, value: string) => () => new Promise((resolve) => setTimeout(() => resolve(value), ms));
    const first = lambdaTask('first', 'arn', sleepThen(40, 'first'), 50, queue, true);
    const second = lambdaTask('second', 'arn', sleepThen(40, 'second'), 50, queue, true);
    const third = lambdaTask('third', 'arn', sleepThen(5, 'third'), 50, queue, true);
    const slow = lambdaTask('slow', 'arn', sleepThen(120, 'slow'), 50, new InvocationQueue(), true);

    // Act: on jest's fake clock, so a busy machine cannot stretch a 40 ms handler past its 50 ms
    jest.useFakeTimers();
    let results: PromiseSettledResult<unknown>[];
    try {
      const settled = Promise.allSettled([first({}), second({}), third({}), slow({})]);
      await jest.advanceTimersByTimeAsync(200);
      results = await settled;
    } finally {
      jest.useRealTimers();
    }

    // Assess: the third ran although it waited ~80 ms for its turn; the slow one ran past its own 50 ms
    expect(results.slice(0, 3)).toEqual(['first', 'second', 'third'].map((value) => ({ status: 'fulfilled', value })));
    expect(results[3]).toMatchObject({ status: 'rejected', reason: { name: 'States.Timeout' } });
  });
});

describe('InvocationQueue', () => {
  it('runs one invocation at a time, in order, and keeps going after a failure', async () => {
    // Prepare
    const queue = new InvocationQueue();
    const log: string[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const task = (name: string, fail = false) => async () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      log.push(`start ${name}`);
      await Promise.resolve();
      await Promise.resolve();
      log.push(`end ${name}`);
      inFlight--;
      if (fail) throw new Error(name);
      return name;
    };

    // Act
    const results = await Promise.allSettled([queue.run(task('a')), queue.run(task('b', true)), queue.run(task('c'))]);

    // Assess
    expect(maxInFlight).toBe(1);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });

  it('with a concurrency of 3 runs at most 3 at once, starts the waiting ones in arrival order, and frees the slot of one that failed', async () => {
    // Prepare
    const queue = new InvocationQueue(3);
    const started: string[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const task = (name: string, ms: number, fail = false) => async () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      started.push(name);
      await new Promise((resolve) => setTimeout(resolve, ms));
      inFlight--;
      if (fail) throw new Error(name);
      return name;
    };

    // Act
    const results = await Promise.allSettled(['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((name, i) => queue.run(task(name, 5 + (i % 3) * 5, name === 'b'))));

    // Assess
    expect(maxInFlight).toBe(3);
    expect(started).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
    expect(() => new InvocationQueue(0)).toThrow('concurrency must be a positive integer, got 0');
  });
});

describe('statusUpdateIntervalMs', () => {
  it("follows the CreateJob request's StatusUpdateInterval, and MediaConvert's once a minute without one", () => {
    // Act + Assess
    expect(statusUpdateIntervalMs('SECONDS_15')).toBe(15_000);
    expect(statusUpdateIntervalMs('SECONDS_600')).toBe(600_000);
    expect(statusUpdateIntervalMs(undefined)).toBe(60_000);
  });
});
