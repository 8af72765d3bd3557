/**
 * Per-video orchestration figures: the cost drivers of one successful execution of the real ASL
 * (aws-local-stepfunctions, __tests__/helpers/asl-harness.ts) and the time the real handlers
 * take on the committed fixture __tests__/fixtures/media/landscape.mp4, over mocked AWS SDK
 * clients (aws-sdk-client-mock, as __tests__/asl/real-handlers.test.ts does).
 */
import '../__tests__/setup/polyfills';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { CopyObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, NotFound, S3Client } from '@aws-sdk/client-s3';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import {
  asLambdaTask,
  executionArnOf,
  mediaConvertJobFromPlan,
  OUTPUT_BUCKET,
  runSuccessfulExecution,
  runWorkflow,
  SOURCE_BUCKET,
  STATE_MACHINE_ARN,
  TEST_JOB_ID,
  TEST_SUBSTITUTIONS,
  workflowInput,
  type TaskHandler,
} from '../__tests__/helpers/asl-harness';
import { handler as archiveSource } from '../handlers/archive-source/index';
import { handler as extractMetadata } from '../handlers/extract-metadata/index';
import { handler as planTranscode } from '../handlers/plan-transcode/index';
import { handler as publish } from '../handlers/publish/index';
import { handler as qualityControl } from '../handlers/quality-control/index';
import { handler as startWorkflow } from '../handlers/start-workflow/index';
import type { MediaMetadata, TranscodePlan } from '../handlers/shared/job';
import { logger } from '../handlers/shared/logger';
import { serveRanged } from '../__tests__/fixtures/s3';
import { summarize, type Summary } from './stats';

const FIXTURE = join(__dirname, '..', '__tests__', 'fixtures', 'media', 'landscape.mp4');
const ARCHIVE_BUCKET = 'video-workflow-bench-archive';

/** ASL state -> function name, for the Lambda states a successful run calls. */
const LAMBDA_STATES: Readonly<Record<string, string>> = {
  ExtractMetadata: 'extract-metadata',
  PlanTranscode: 'plan-transcode',
  QualityControl: 'quality-control',
  Publish: 'publish',
  ArchiveSource: 'archive-source',
};

export interface OrchestrationFigures {
  /** From runSuccessfulExecution() (phase-1 stand-ins). */
  readonly transitions: number;
  readonly lambdaInvocations: number;
  readonly dynamoWrites: number;
  readonly stateDurations: Record<string, number>;
  /** The same counts from the run with the real handlers, as a cross-check. */
  readonly realRun: { readonly transitions: number; readonly lambdaInvocations: number; readonly states: readonly string[] };
  /** Handler wall time per function (ms), over `runs` executions; start-workflow included. */
  readonly handlerMs: Record<string, Summary>;
  /** DynamoDB requests the real handlers sent in one execution (mocked DocumentClient). */
  readonly handlerDynamoWrites: number;
  readonly handlerDynamoReads: number;
  /** JSON size of the job record's largest write (publish: metadata, outputs, qc), for write units. */
  readonly largestItemBytes: number;
  readonly metadata: MediaMetadata;
}

function elapsedMs(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e6;
}

export async function measureOrchestration(runs: number): Promise<OrchestrationFigures> {
  logger.setLogLevel('SILENT');
  const env = {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    OUTPUT_BUCKET,
    JOBS_TABLE_NAME: TEST_SUBSTITUTIONS.JobsTableName,
    TOPIC_ARN: TEST_SUBSTITUTIONS.NotificationTopicArn,
    ARCHIVE_BUCKET,
    ARCHIVE_STORAGE_CLASS: 'GLACIER_IR',
    STATE_MACHINE_ARN,
    SOURCE_BUCKET,
    ALLOWED_EXTENSIONS: 'mp4,mov',
    JOB_TTL_DAYS: '90',
  };
  Object.assign(process.env, env);

  const phase1 = await runSuccessfulExecution();

  const data = readFileSync(FIXTURE);
  const s3 = mockClient(S3Client);
  const ddb = mockClient(DynamoDBDocumentClient);
  const sns = mockClient(SNSClient);
  const sfn = mockClient(SFNClient);
  const times: Record<string, number[]> = {};
  const timed = (name: string, task: TaskHandler): TaskHandler => async (input: unknown) => {
    const started = process.hrtime.bigint();
    try {
      return await task(input);
    } finally {
      (times[name] ??= []).push(elapsedMs(started));
    }
  };

  try {
    let realRun: OrchestrationFigures['realRun'] | undefined;
    let metadata: MediaMetadata | undefined;
    let handlerDynamoWrites = 0;
    let handlerDynamoReads = 0;
    let largestItemBytes = 0;
    const source = { ...workflowInput().source, key: `uploads/${basename(FIXTURE)}`, size: data.length };

    for (let run = 0; run < runs; run++) {
      s3.reset();
      ddb.reset();
      sns.reset();
      sfn.reset();
      mockSource(s3, data);
      ddb.on(PutCommand).resolves({});
      ddb.on(UpdateCommand).resolves({ Attributes: { jobId: TEST_JOB_ID, status: 'COMPLETED' } });
      sns.on(PublishCommand).resolves({ MessageId: 'bench-message' });
      sfn.on(StartExecutionCommand).resolves({ executionArn: executionArnOf(TEST_JOB_ID), startDate: new Date() });
      s3.on(HeadObjectCommand, { Bucket: ARCHIVE_BUCKET }).rejects(new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } }));
      s3.on(CopyObjectCommand).resolves({ CopyObjectResult: { ETag: '"archived"' } });

      // start-workflow: the S3 event through the ingest queue (conditional put, StartExecution, ARN update).
      await timed('start-workflow', async () => {
        const result = await startWorkflow(sqsEvent(source));
        if (result.batchItemFailures.length > 0) throw new Error('start-workflow reported a batch item failure');
        return result;
      })({});

      const captured: { plan?: TranscodePlan; metadata?: MediaMetadata } = {};
      const lambdas: Record<string, TaskHandler> = {
        ExtractMetadata: async (input: unknown) => (captured.metadata = (await asLambdaTask('extract-metadata', extractMetadata)(input)) as MediaMetadata),
        PlanTranscode: async (input: unknown) => {
          const plan = (await asLambdaTask('plan-transcode', planTranscode)(input)) as TranscodePlan;
          captured.plan = plan;
          mockOutputs(s3, plan);
          return plan;
        },
        QualityControl: asLambdaTask('quality-control', qualityControl),
        Publish: asLambdaTask('publish', publish),
        ArchiveSource: asLambdaTask('archive-source', archiveSource),
      };
      const timedLambdas = Object.fromEntries(Object.entries(lambdas).map(([state, task]) => [state, timed(LAMBDA_STATES[state]!, task)]));
      const result = await runWorkflow({
        input: workflowInput({ source }),
        lambdas: () => ({ ...timedLambdas, RecordFailure: () => Promise.reject(new Error('RecordFailure must not run in a successful execution')) }),
        tasks: { Transcode: (request: Record<string, unknown>) => mediaConvertJobFromPlan(captured.plan!, captured.metadata!, request) },
      });
      if (result.status !== 'SUCCEEDED') throw new Error(`real-handler execution ${result.status}: ${JSON.stringify(result.error)}`);

      realRun = { transitions: result.transitions, lambdaInvocations: result.lambdaInvocations, states: result.states };
      metadata = captured.metadata;
      const writes = [...ddb.commandCalls(PutCommand), ...ddb.commandCalls(UpdateCommand)];
      handlerDynamoWrites = writes.length;
      handlerDynamoReads = ddb.commandCalls(GetCommand).length;
      largestItemBytes = Math.max(
        ...writes.map((call) => {
          const input = call.args[0].input as { Item?: unknown; ExpressionAttributeValues?: unknown };
          // An update's item holds the QUEUED record plus the new fields: count both.
          return Buffer.byteLength(JSON.stringify(input.Item ?? { source, ...(input.ExpressionAttributeValues as object) }));
        }),
      );
    }

    return {
      transitions: phase1.transitions,
      lambdaInvocations: phase1.lambdaInvocations,
      dynamoWrites: phase1.dynamoWrites,
      stateDurations: phase1.stateDurations,
      realRun: realRun!,
      handlerMs: Object.fromEntries(Object.entries(times).map(([name, samples]) => [name, summarize(samples)])),
      handlerDynamoWrites,
      handlerDynamoReads,
      largestItemBytes,
      metadata: metadata!,
    };
  } finally {
    s3.restore();
    ddb.restore();
    sns.restore();
    sfn.restore();
  }
}

type S3Mock = AwsClientStub<S3Client>;

/** The fixture as the source object: HeadObject for start-workflow, ranged GETs for the probe. */
function mockSource(s3: S3Mock, data: Buffer): void {
  const { etag, versionId } = workflowInput().source;
  s3.on(HeadObjectCommand, { Bucket: SOURCE_BUCKET }).resolves({ ContentLength: data.length, ETag: `"${etag}"`, VersionId: versionId, ContentType: 'video/mp4' });
  serveRanged(s3, data, { Bucket: SOURCE_BUCKET });
}

/** What MediaConvert leaves in the output bucket for a plan: files, master manifest, thumbnails. */
function mockOutputs(s3: S3Mock, plan: TranscodePlan): void {
  const key = (uri: string) => uri.replace(`s3://${OUTPUT_BUCKET}/`, '');
  const renditions = plan.expectedOutputs.filter((o) => o.kind === 'hls-rendition');
  const master = [
    '#EXTM3U',
    '#EXT-X-VERSION:3',
    ...renditions.flatMap((r) => [
      `#EXT-X-STREAM-INF:BANDWIDTH=${r.maxBitrate},RESOLUTION=${r.width}x${r.height},CODECS="avc1.64001f,mp4a.40.2"`,
      basename(r.uri),
    ]),
    '',
  ].join('\n');
  const masterUri = plan.expectedOutputs.find((o) => o.kind === 'hls-master')!.uri;
  s3.on(GetObjectCommand, { Bucket: OUTPUT_BUCKET, Key: key(masterUri) }).resolves({ Body: { transformToString: async () => master } as never });
  for (const output of plan.expectedOutputs.filter((o) => o.kind !== 'thumbnail')) {
    s3.on(HeadObjectCommand, { Bucket: OUTPUT_BUCKET, Key: key(output.uri) }).resolves({ ContentLength: 48_213 });
  }
  const thumbnail = plan.expectedOutputs.find((o) => o.kind === 'thumbnail')!;
  s3.on(ListObjectsV2Command, { Bucket: OUTPUT_BUCKET, Prefix: key(thumbnail.uri) }).resolves({
    Contents: Array.from({ length: plan.thumbnailCount }, (_, i) => ({ Key: `${key(thumbnail.uri)}.${String(i).padStart(7, '0')}.jpg`, Size: 6_512 })),
  });
}

/** One ingest-queue message carrying the S3 "Object Created" EventBridge event. */
function sqsEvent(source: { bucket: string; key: string; etag: string; versionId?: string; size: number }) {
  const body = {
    version: '0',
    source: 'aws.s3',
    'detail-type': 'Object Created',
    detail: { bucket: { name: source.bucket }, object: { key: source.key, size: source.size, etag: source.etag, 'version-id': source.versionId } },
  };
  return {
    Records: [
      {
        messageId: 'bench-message-1',
        receiptHandle: 'bench',
        body: JSON.stringify(body),
        attributes: {} as never,
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:video-workflow-bench-ingest',
        awsRegion: 'us-east-1',
      },
    ],
  };
}
