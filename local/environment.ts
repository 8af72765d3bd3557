import { randomBytes } from 'node:crypto';
import { ENVIRONMENTS } from '../stacks/config';
import { localDeliveryBaseUrl } from './delivery';
import type { StandIns } from './standins';
import { LOCAL_ACCOUNT_ID, LOCAL_CREDENTIALS, LOCAL_REGION } from './account';

/** Names of the local resources; one place, like the stacks' naming helper. */
export const LOCAL_NAMES = {
  workflow: 'video-workflow-local',
  jobsTable: 'video-workflow-local-jobs',
  sourceBucket: 'video-workflow-local-source',
  outputBucket: 'video-workflow-local-output',
  archiveBucket: 'video-workflow-local-archive',
  sourceKeyPrefix: 'uploads/',
  /** Extensions the local run accepts: dev's, so a file rejected here is rejected in the cloud (InvalidSourceKey). */
  allowedExtensions: ENVIRONMENTS.dev.allowedExtensions,
} as const;

const arn = (service: string, resource: string) => `arn:aws:${service}:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:${resource}`;

export const LOCAL_ARNS = {
  stateMachine: arn('states', `stateMachine:${LOCAL_NAMES.workflow}`),
  topic: arn('sns', `${LOCAL_NAMES.workflow}-notifications`),
  mediaConvertQueue: arn('mediaconvert', 'queues/Default'),
  mediaConvertRole: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/${LOCAL_NAMES.workflow}-mediaconvert`,
  lambda: (name: string) => arn('lambda', `function:${LOCAL_NAMES.workflow}-${name}`),
};

/**
 * The environment the handlers read, as the stacks set it on each function, pointed at the
 * stand-ins. The SDK v3 picks up AWS_ENDPOINT_URL_<SERVICE>. Checksums are computed only when
 * an operation requires them: with the SDK's default (WHEN_SUPPORTED) a streamed PutObject is
 * sent aws-chunked with a trailing checksum, which s3rver 3.7 stores verbatim (chunk framing
 * included), corrupting the object.
 */
export function handlerEnvironment(standIns: Pick<StandIns, 's3Endpoint' | 'dynamodbEndpoint' | 'snsEndpoint' | 'eventsEndpoint'>): Record<string, string> {
  return {
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_S3: standIns.s3Endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: standIns.dynamodbEndpoint,
    AWS_ENDPOINT_URL_SNS: standIns.snsEndpoint,
    AWS_ENDPOINT_URL_EVENTBRIDGE: standIns.eventsEndpoint,
    AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
    AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
    // Never read a developer's ~/.aws profile or SSO cache for the local run.
    AWS_PROFILE: '',
    // The Tracer is off locally (no AWS_EXECUTION_ENV) and there is no X-Ray daemon. In its
    // default automatic mode aws-xray-sdk-core installs a cls-hooked async hook when it loads,
    // which then runs on every promise of the process (stand-ins and engine included); manual
    // mode skips it. https://docs.aws.amazon.com/xray/latest/devguide/xray-sdk-nodejs-configuration.html
    AWS_XRAY_MANUAL_MODE: 'true',
    JOBS_TABLE_NAME: LOCAL_NAMES.jobsTable,
    SOURCE_BUCKET: LOCAL_NAMES.sourceBucket,
    OUTPUT_BUCKET: LOCAL_NAMES.outputBucket,
    ARCHIVE_BUCKET: LOCAL_NAMES.archiveBucket,
    ARCHIVE_STORAGE_CLASS: 'STANDARD',
    PINNED_SOURCE_BUCKET: LOCAL_NAMES.archiveBucket,
    MAX_DURATION_SECONDS: String(ENVIRONMENTS.dev.spend.maxSourceDurationSeconds),
    TOPIC_ARN: LOCAL_ARNS.topic,
    STATE_MACHINE_ARN: LOCAL_ARNS.stateMachine,
    ALLOWED_EXTENSIONS: LOCAL_NAMES.allowedExtensions.join(','),
    SOURCE_KEY_PREFIX: LOCAL_NAMES.sourceKeyPrefix,
    JOB_TTL_DAYS: String(ENVIRONMENTS.dev.jobTtlDays),
    WORKFLOW_NAME: LOCAL_NAMES.workflow,
    EVENT_SOURCE: 'video-workflow.local',
    POWERTOOLS_SERVICE_NAME: LOCAL_NAMES.workflow,
    // As the stack sets the distribution's domain: publish writes playback URLs on the local
    // delivery server (`npm run local:serve`, URL path = output key), unsigned.
    DELIVERY_BASE_URL: localDeliveryBaseUrl(localDeliveryPort()),
    DELIVERY_SIGNED_PLAYBACK: 'false',
  };
}

/** LOCAL_DELIVERY_PORT when set (the port `npm run local:serve` is told to use), else the default. */
export function localDeliveryPort(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env.LOCAL_DELIVERY_PORT;
  if (raw === undefined || raw === '') return undefined;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`LOCAL_DELIVERY_PORT must be a TCP port (1-65535), got "${raw}"`);
  return port;
}

/** Applies the environment before any handler module (and its module-scope SDK clients) loads. */
export function applyEnvironment(env: Record<string, string>): void {
  for (const [key, value] of Object.entries(env)) {
    if (value === '') delete process.env[key];
    else process.env[key] = value;
  }
}

/**
 * The EventBridge envelope AWS services put their events in (version, id, time, account,
 * region), for the local run's stand-ins of S3, MediaConvert and Step Functions events.
 * https://docs.aws.amazon.com/eventbridge/latest/ref/overiew-event-structure.html
 */
export function localEvent(source: string, detailType: string, resources: string[], detail: Record<string, unknown>): Record<string, unknown> {
  return {
    version: '0',
    id: randomBytes(16).toString('hex'),
    'detail-type': detailType,
    source,
    account: LOCAL_ACCOUNT_ID,
    time: new Date().toISOString(),
    region: LOCAL_REGION,
    resources,
    detail,
  };
}
