import { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * The one X-Ray tracer of a function (Powertools Tracer over the X-Ray SDK for Node.js).
 * Functions run with active tracing (stacks/lib/nodejs-function.ts); every SDK client goes
 * through `traced()` so S3, DynamoDB, Step Functions, SNS, EventBridge... calls appear as
 * subsegments with their latency, throttles and errors. Outside Lambda (jest, the local run)
 * the Tracer disables itself (no AWS_EXECUTION_ENV) and `traced()` returns the client as is.
 * https://docs.powertools.aws.dev/lambda/typescript/latest/features/tracer/ (Tracer, "Patching AWS SDK clients")
 */
export const tracer = new Tracer({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'video-workflow' });

/** What captureAWSv3Client needs: an SDK v3 client (its middleware stack and config). */
type SdkClient = Parameters<Tracer['captureAWSv3Client']>[0];

/**
 * Instruments an AWS SDK v3 client for X-Ray. Every client a handler creates must go through
 * here (handlers/shared/clients.ts does, and a test checks each exported client).
 */
export function traced<T extends SdkClient>(client: T, using: Tracer = tracer): T {
  return using.captureAWSv3Client(client);
}
