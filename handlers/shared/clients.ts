import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { traced } from './tracing';

/**
 * SDK clients, each created once per Lambda container on first use (handlers that never
 * touch a service do not pay for its client). Region and credentials come from the
 * environment; the SDK also honours AWS_ENDPOINT_URL_<SERVICE> for local stand-ins.
 * Every client is created through `traced()` (X-Ray subsegments per call): a new client added
 * here must be too (__tests__/handlers/tracing.test.ts checks every export of this file).
 */
// The @__PURE__ marks let esbuild drop the clients (and their SDK packages) a handler never
// uses: get-job ships only DynamoDB, not S3, SFN and SNS.
function once<T>(create: () => T): () => T {
  let instance: T | undefined;
  return () => (instance ??= create());
}

/** Path-style when a local endpoint is configured: s3rver cannot serve virtual-hosted bucket names. */
export function s3ClientConfig(env: NodeJS.ProcessEnv = process.env): { forcePathStyle: boolean } {
  return { forcePathStyle: Boolean(env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL) };
}

export const s3Client = /* @__PURE__ */ once(() => traced(new S3Client(s3ClientConfig())));

export const documentClient = /* @__PURE__ */ once(() =>
  // The document client sends through the base client's middleware stack, so tracing the base
  // client traces both.
  DynamoDBDocumentClient.from(traced(new DynamoDBClient({})), {
    // Optional JobRecord fields are `undefined` in TypeScript; they must be omitted, not stored.
    marshallOptions: { removeUndefinedValues: true },
  }),
);

export const sfnClient = /* @__PURE__ */ once(() => traced(new SFNClient({})));

export const snsClient = /* @__PURE__ */ once(() => traced(new SNSClient({})));

export const eventBridgeClient = /* @__PURE__ */ once(() => traced(new EventBridgeClient({})));
