/**
 * Per-video orchestration figures: the cost drivers of one successful execution of the real ASL
 * (aws-local-stepfunctions, __tests__/helpers/asl-harness.ts) and the time the real handlers
 * take on the committed fixture __tests__/fixtures/media/landscape.mp4, over mocked AWS SDK
 * clients (aws-sdk-client-mock), wired as __tests__/helpers/real-workflow.ts wires them for
 * __tests__/asl/real-handlers.test.ts.
 */
import '../__tests__/setup/polyfills';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { executionArnOf, runSuccessfulExecution, runWorkflow, SOURCE_BUCKET, TEST_JOB_ID, workflowInput, type TaskHandler } from '../__tests__/helpers/asl-harness';
import { HANDLER_ENV, healthyServices, MEDIA_DIR, realWorkflow, serveSource, type Captured } from '../__tests__/helpers/real-workflow';
import { jobRecord, objectCreatedEvent, sqsEvent, sqsRecord } from '../__tests__/fixtures/events';
import { handler as startWorkflow } from '../handlers/start-workflow/index';
import type { MediaMetadata } from '../handlers/shared/job';
import { logger } from '../handlers/shared/logger';
import { summarize, type Summary } from './stats';

const FIXTURE = join(MEDIA_DIR, 'landscape.mp4');

/** ASL state -> function name, for the Lambda states a successful run calls. */
const LAMBDA_STATES: Readonly<Record<string, string>> = {
  ExtractMetadata: 'extract-metadata',
  PlanTranscode: 'plan-transcode',
  PinSource: 'pin-source',
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
  Object.assign(process.env, { ...HANDLER_ENV, AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench' });

  const phase1 = await runSuccessfulExecution();

  const size = readFileSync(FIXTURE).length;
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
    const source = { ...workflowInput().source, key: `uploads/${basename(FIXTURE)}`, size };

    for (let run = 0; run < runs; run++) {
      s3.reset();
      ddb.reset();
      sns.reset();
      sfn.reset();
      // The fixture as the source object: HeadObject for start-workflow, ranged GETs for the probe.
      s3.on(HeadObjectCommand, { Bucket: SOURCE_BUCKET }).resolves({ ContentLength: size, ETag: `"${source.etag}"`, VersionId: source.versionId, ContentType: 'video/mp4' });
      serveSource(s3, FIXTURE);
      healthyServices(s3, sns);
      ddb.on(PutCommand).resolves({});
      ddb.on(UpdateCommand).resolves({ Attributes: jobRecord({ jobId: TEST_JOB_ID, status: 'COMPLETED' }) });
      sfn.on(StartExecutionCommand).resolves({ executionArn: executionArnOf(TEST_JOB_ID), startDate: new Date() });

      // start-workflow: the S3 event through the ingest queue (conditional put, StartExecution, ARN update).
      await timed('start-workflow', async () => {
        const body = objectCreatedEvent({ key: source.key, size: source.size, etag: source.etag, 'version-id': source.versionId }, source.bucket);
        const result = await startWorkflow(sqsEvent(sqsRecord(JSON.stringify(body), 'bench-message-1')));
        if (result.batchItemFailures.length > 0) throw new Error('start-workflow reported a batch item failure');
        return result;
      })({});

      const captured: Captured = { transcodeRequests: [] };
      // The handlers' DocumentClient calls stay on the mocks above, where they are counted.
      const wiring = realWorkflow(ddb, captured, { qualityControl: 'real', s3, bridgeTable: false });
      const result = await runWorkflow({
        input: workflowInput({ source }),
        lambdas: (world) => {
          const real = wiring.lambdas(world);
          const timedLambdas = Object.fromEntries(Object.entries(LAMBDA_STATES).map(([state, name]) => [state, timed(name, real[state])]));
          return { ...timedLambdas, RecordFailure: () => Promise.reject(new Error('RecordFailure must not run in a successful execution')) };
        },
        tasks: { Transcode: wiring.transcode },
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
