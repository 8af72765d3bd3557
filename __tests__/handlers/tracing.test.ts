import type { Context } from 'aws-lambda';
import { lambdaEntrySource } from '../../stacks/lib/bundle';

const XRAY_MIDDLEWARE = 'XRaySDKInstrumentation';

/** Loads a module with the Tracer enabled, as in Lambda (it disables itself without AWS_EXECUTION_ENV). */
function inLambda<T>(load: () => T): T {
  const saved = { ...process.env };
  Object.assign(process.env, {
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    AWS_REGION: 'us-east-1',
    // Global http patching would leak into other tests of this worker; SDK clients are what we check.
    POWERTOOLS_TRACER_CAPTURE_HTTPS_REQUESTS: 'false',
  });
  try {
    let loaded: T | undefined;
    jest.isolateModules(() => {
      loaded = load();
    });
    return loaded!;
  } finally {
    process.env = saved;
  }
}

interface Stacked {
  readonly middlewareStack: { identify(): string[] };
}

describe('X-Ray tracing of SDK clients (handlers/shared/clients.ts)', () => {
  it('instruments every exported client with the Powertools Tracer (captureAWSv3Client)', () => {
    const clients = inLambda(() => require('../../handlers/shared/clients') as Record<string, unknown>);
    const factories = Object.entries(clients).filter(([name, value]) => typeof value === 'function' && name !== 's3ClientConfig');
    expect(factories.map(([name]) => name).sort()).toEqual(expect.arrayContaining(['documentClient', 's3Client', 'sfnClient', 'snsClient']));
    for (const [name, factory] of factories) {
      const client = (factory as () => Stacked)();
      expect({ name, middleware: client.middlewareStack.identify().some((m) => m.startsWith(XRAY_MIDDLEWARE)) }).toEqual({ name, middleware: true });
    }
  });

  it('returns the client untouched outside Lambda (jest, the local run)', () => {
    const { s3Client } = require('../../handlers/shared/clients') as { s3Client: () => Stacked };
    expect(s3Client().middlewareStack.identify().some((m) => m.startsWith(XRAY_MIDDLEWARE))).toBe(false);
  });
});

describe('withLambdaContext (every function entry)', () => {
  const context = {
    functionName: 'video-workflow-dev-publish',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:video-workflow-dev-publish',
    memoryLimitInMB: '256',
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
  } as Context;

  function logLines(run: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
    const lines: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    return run()
      .catch(() => undefined)
      .then(() => lines.flatMap((l) => l.split('\n')).filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>))
      .finally(() => write.mockRestore());
  }

  it('puts the Lambda context (request id, cold start) on every log line of the invocation', async () => {
    const { withLambdaContext } = require('../../handlers/shared/lambda-context') as typeof import('../../handlers/shared/lambda-context');
    const { logger } = require('../../handlers/shared/logger') as typeof import('../../handlers/shared/logger');
    const handler = withLambdaContext('publish', async (event: { n: number }) => {
      logger.info('Working', { n: event.n });
      return event.n * 2;
    });
    let result: unknown;
    const lines = await logLines(async () => {
      result = await handler({ n: 21 }, context);
    });
    expect(result).toBe(42);
    expect(lines).toEqual([expect.objectContaining({ message: 'Working', function_request_id: context.awsRequestId, function_name: context.functionName, cold_start: expect.any(Boolean) })]);
  });

  it('rethrows the handler error unchanged (Step Functions Catch matches on its name)', async () => {
    const { withLambdaContext } = require('../../handlers/shared/lambda-context') as typeof import('../../handlers/shared/lambda-context');
    const failure = Object.assign(new Error('no such object'), { name: 'ObjectNotFound' });
    const handler = withLambdaContext('archive-source', async () => {
      throw failure;
    });
    await expect(handler({}, context)).rejects.toBe(failure);
  });

  it('is the entry Lambda loads for every handler (stacks/lib/bundle.ts)', () => {
    const source = lambdaEntrySource('get-job');
    expect(source).toContain("import { handler as inner } from '../../handlers/get-job/index';");
    expect(source).toContain('export const handler = withLambdaContext("get-job", inner);');
  });
});
