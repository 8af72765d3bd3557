import {
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type DeleteItemCommandInput,
  type GetItemCommandInput,
  type PutItemCommandInput,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { PublishCommand, SNSClient, type PublishCommandInput } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';

/**
 * An error as Step Functions sees it: `name` is what Retry/Catch `ErrorEquals` match and
 * what lands in `Error`; `message` lands in `Cause` (aws-local-stepfunctions copies them so).
 */
export class StatesError extends Error {
  constructor(name: string, cause: string) {
    super(cause);
    this.name = name;
  }
}

/** Lambda's payload limit for a synchronous invoke response, also Step Functions' state limit. */
export const MAX_PAYLOAD_BYTES = 256 * 1024;

/** Returns a value or a promise of one. */
export type LambdaHandler = (event: unknown, context: Context) => unknown;

/** A Lambda context good enough for handlers that read the request id or remaining time. */
export function lambdaContext(functionName: string, functionArn: string, timeoutMs: number): Context {
  const deadline = Date.now() + timeoutMs;
  const requestId = randomUUID();
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: functionArn,
    memoryLimitInMB: '1024',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/${requestId}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

/**
 * Runs invocations in turn: one at a time by default. In Lambda a container never serves two
 * invocations at once, and handlers rely on it: module-scope state (the mediainfo.js instance,
 * the logger's appended jobId, the stored EMF metrics) is per container. Here every handler
 * shares one process, so concurrent executions take turns for their Lambda steps (the
 * transcode, the long part, is not a Lambda and runs in parallel). `concurrency` above 1 lets
 * that many run at once, as separate containers would, for drivers that silence the logs and
 * metrics (the load harness); the waiting ones start in arrival order.
 */
export class InvocationQueue {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly concurrency = 1) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`InvocationQueue: concurrency must be a positive integer, got ${concurrency}`);
  }

  async run<T>(invoke: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running += 1;
    try {
      return await invoke();
    } finally {
      // The turn passes straight to the next waiter (running stays counted), else frees a slot.
      const next = this.waiting.shift();
      if (next) next();
      else this.running -= 1;
    }
  }
}

/**
 * Invokes a handler the way Lambda + Step Functions do: the event and the result cross a JSON
 * boundary (no shared references, no Dates or undefined), a result over 256 KB fails with
 * States.DataLimitExceeded, and a thrown error becomes `Error = err.name` with the Lambda
 * error payload `{errorType, errorMessage, trace}` as the Cause.
 */
export function lambdaTask(
  functionName: string,
  functionArn: string,
  handler: LambdaHandler,
  timeoutMs: number,
  queue: InvocationQueue = new InvocationQueue(),
  /** Enforce `timeoutMs` from the handler's start (after its turn in `queue`) as States.Timeout. */
  timeoutFromStart = false,
) {
  return async (input: unknown): Promise<unknown> => {
    let result: unknown;
    try {
      const event = JSON.parse(JSON.stringify(input ?? null)) as unknown;
      result = await queue.run(async () => {
        const context = lambdaContext(functionName, functionArn, timeoutMs);
        if (!timeoutFromStart) return await handler(event, context);
        const invocation = Promise.resolve().then(() => handler(event, context));
        // A handler cut off by its timeout may still fail later: that is no longer anyone's answer.
        invocation.catch(() => undefined);
        let timer: NodeJS.Timeout | undefined;
        const timedOut = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new StatesError('States.Timeout', `${functionName} ran longer than its ${timeoutMs / 1000} s timeout`)), timeoutMs);
        });
        try {
          return await Promise.race([invocation, timedOut]);
        } finally {
          clearTimeout(timer);
        }
      });
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      const errorType = e.name || 'Error';
      const payload = { errorType, errorMessage: e.message, trace: (e.stack ?? '').split('\n') };
      throw new StatesError(errorType, JSON.stringify(payload));
    }
    const serialized = JSON.stringify(result ?? null);
    if (Buffer.byteLength(serialized) > MAX_PAYLOAD_BYTES) {
      throw new StatesError('States.DataLimitExceeded', `The ${functionName} result is ${Buffer.byteLength(serialized)} bytes, over the 256 KB limit`);
    }
    return JSON.parse(serialized) as unknown;
  };
}

interface SdkError {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number; requestId?: string };
}

/** `DynamoDB.ConditionalCheckFailedException` etc., with a Cause shaped like the service integration's. */
function serviceError(service: string, err: unknown): StatesError {
  const e = err as SdkError;
  const name = e.name ?? 'UnknownError';
  const status = e.$metadata?.httpStatusCode ?? 0;
  return new StatesError(
    `${service}.${name}`,
    `${e.message ?? name} (Service: ${service}, Status Code: ${status}, Error Code: ${name}, Request ID: ${e.$metadata?.requestId ?? 'local'})`,
  );
}

function withoutMetadata<T extends object>(output: T): Omit<T, '$metadata'> {
  const { $metadata: _ignored, ...rest } = output as T & { $metadata?: unknown };
  return rest;
}

/** The DynamoDB optimized integrations (`arn:aws:states:::dynamodb:<op>`), sent for real to the table. */
export function dynamoDbTask(client: Pick<DynamoDBClient, 'send'>, operation: string) {
  return async (params: unknown): Promise<unknown> => {
    try {
      switch (operation) {
        case 'updateItem':
          return withoutMetadata(await client.send(new UpdateItemCommand(params as UpdateItemCommandInput)));
        case 'putItem':
          return withoutMetadata(await client.send(new PutItemCommand(params as PutItemCommandInput)));
        case 'getItem':
          return withoutMetadata(await client.send(new GetItemCommand(params as GetItemCommandInput)));
        case 'deleteItem':
          return withoutMetadata(await client.send(new DeleteItemCommand(params as DeleteItemCommandInput)));
        default:
          throw new StatesError('States.Runtime', `dynamodb:${operation} is not supported by the local run`);
      }
    } catch (err) {
      if (err instanceof StatesError) throw err;
      throw serviceError('DynamoDB', err);
    }
  };
}

/**
 * `arn:aws:states:::sns:publish`, sent to the SNS stand-in (which appends it to
 * notifications.jsonl). Step Functions serialises a JSON `Message` to a string itself.
 */
export function snsPublishTask(client: Pick<SNSClient, 'send'>) {
  return async (params: unknown): Promise<unknown> => {
    const p = params as Omit<PublishCommandInput, 'Message'> & { Message?: unknown };
    const input: PublishCommandInput = {
      ...p,
      Message: typeof p.Message === 'string' ? p.Message : JSON.stringify(p.Message ?? null),
    };
    try {
      return withoutMetadata(await client.send(new PublishCommand(input)));
    } catch (err) {
      throw serviceError('SNS', err);
    }
  };
}
