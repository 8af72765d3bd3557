/**
 * The real handlers wired into the ASL harness over one job table: what the reliability
 * catalogs, __tests__/asl/real-handlers.test.ts and bench/orchestration.ts share. The handlers write through the (mocked) DocumentClient; `bridgeJobTable` applies
 * those writes, with DynamoJobStore's conditions, to the harness's in-memory table that the
 * ASL's own DynamoDB integrations write to, so a run ends with one record that every writer
 * (start-workflow, RecordStart, publish, record-failure, job-progress) has touched.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CopyObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, NotFound, type S3Client } from '@aws-sdk/client-s3';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { handler as extractMetadata } from '../../handlers/extract-metadata/index';
import { handler as planTranscode } from '../../handlers/plan-transcode/index';
import { handler as publish } from '../../handlers/publish/index';
import { handler as qualityControl } from '../../handlers/quality-control/index';
import { handler as archiveSource } from '../../handlers/archive-source/index';
import { handler as pinSource } from '../../handlers/pin-source/index';
import type { PinnedSource } from '../../handlers/shared/pinned-source';
import { handler as recordFailure } from '../../handlers/record-failure/index';
import type { MediaMetadata, TranscodePlan } from '../../handlers/shared/job';
import {
  ARCHIVE_BUCKET,
  asLambdaTask,
  runWorkflow,
  workflowInput,
  fakeLambdas,
  HarnessError,
  mediaConvertJobFromPlan,
  OUTPUT_BUCKET,
  SOURCE_BUCKET,
  STATE_MACHINE_ARN,
  TEST_SUBSTITUTIONS,
  type TaskHandler,
  type World,
} from './asl-harness';
import { bridgeJobTable } from './jobs-table';
import { serveRanged, type VersionedS3 } from '../fixtures/s3';
import { parseS3Uri } from '../../handlers/shared/s3-uri';
import { serveMetricFiles } from '../fixtures/quality';

export const MEDIA_DIR = path.join(__dirname, '../fixtures/media');

/** Every variable the handlers used here read, with the harness's names and ARNs. */
export const HANDLER_ENV = {
  AWS_REGION: 'eu-west-1',
  JOBS_TABLE_NAME: TEST_SUBSTITUTIONS.JobsTableName,
  WORKFLOW_NAME: TEST_SUBSTITUTIONS.WorkflowName,
  STATE_MACHINE_ARN,
  SOURCE_BUCKET,
  OUTPUT_BUCKET,
  TOPIC_ARN: TEST_SUBSTITUTIONS.NotificationTopicArn,
  ARCHIVE_BUCKET,
  ARCHIVE_STORAGE_CLASS: 'GLACIER_IR',
  PINNED_SOURCE_BUCKET: ARCHIVE_BUCKET,
  ALLOWED_EXTENSIONS: 'mp4,mov,mkv',
  SOURCE_KEY_PREFIX: 'uploads/',
  JOB_TTL_DAYS: '30',
  UPLOADS_TABLE_NAME: 'video-workflow-test-uploads',
  MAX_UPLOAD_BYTES: String(5 * 1024 ** 3),
  UPLOAD_URL_EXPIRES_SECONDS: '900',
  DELIVERY_BASE_URL: 'https://d111111abcdef8.cloudfront.net',
  DELIVERY_SIGNED_PLAYBACK: 'false',
  EVENT_SOURCE: 'video-workflow.test',
};

/** EventBridge for the handlers that put job events (publish, record-failure, job-progress). */
export const eventsMock = mockClient(EventBridgeClient);

/**
 * Fixture bytes as the source object: ranged GetObject answered like S3. The first calls throw
 * `failFirst` (one error per call), to inject S3 faults into the real range reader.
 */
export function serveSource(s3: AwsClientStub<S3Client>, file: string, failFirst: readonly Error[] = []): { size: number } {
  const ranged = serveRanged(s3, readFileSync(file), { Bucket: SOURCE_BUCKET });
  if (failFirst.length > 0) {
    let calls = 0;
    s3.on(GetObjectCommand, { Bucket: SOURCE_BUCKET }).callsFake(async (input: { Range?: string }) => {
      calls += 1;
      if (calls <= failFirst.length) throw failFirst[calls - 1];
      return ranged.respond(input);
    });
  }
  return { size: ranged.size };
}

/** A successful archive copy, a working SNS and EventBridge, the defaults the faults override. */
export function healthyServices(s3: AwsClientStub<S3Client>, sns: AwsClientStub<SNSClient>): void {
  eventsMock.reset();
  eventsMock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'event-1' }] });
  s3.on(HeadObjectCommand, { Bucket: ARCHIVE_BUCKET }).rejects(new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } }));
  s3.on(CopyObjectCommand).resolves({ CopyObjectResult: { ETag: '"archived"' }, VersionId: 'copy-v1' });
  sns.on(PublishCommand).resolves({ MessageId: 'message-1' });
}

/** The pinned copy PinSource wrote, as S3 then answers HeadObject for it (QC's input-pinned check). */
export function servePinnedCopy(s3: AwsClientStub<S3Client>, pinned: PinnedSource): void {
  s3.on(HeadObjectCommand, { Bucket: pinned.bucket, Key: pinned.key }).resolves({ ContentLength: pinned.size, VersionId: pinned.versionId });
}

/** What MediaConvert leaves in the output bucket for a plan: files, master manifest, per-frame metric reports, thumbnails. */
export function serveOutputs(s3: AwsClientStub<S3Client>, plan: TranscodePlan): void {
  const key = (uri: string) => uri.replace(`s3://${OUTPUT_BUCKET}/`, '');
  const renditions = plan.expectedOutputs.filter((o) => o.kind === 'hls-rendition');
  const master = [
    '#EXTM3U',
    '#EXT-X-VERSION:3',
    '#EXT-X-INDEPENDENT-SEGMENTS',
    ...renditions.flatMap((r) => [
      `#EXT-X-STREAM-INF:BANDWIDTH=${r.maxBitrate},AVERAGE-BANDWIDTH=${r.maxBitrate},CODECS="avc1.64001f,mp4a.40.2",RESOLUTION=${r.width}x${r.height},FRAME-RATE=25.000`,
      path.posix.basename(r.uri),
    ]),
    '',
  ].join('\n');
  const masterUri = plan.expectedOutputs.find((o) => o.kind === 'hls-master')!.uri;
  s3.on(GetObjectCommand, { Bucket: OUTPUT_BUCKET, Key: key(masterUri) }).resolves({
    Body: { transformToString: async () => master } as never,
  });
  for (const output of plan.expectedOutputs.filter((o) => o.kind !== 'thumbnail')) {
    s3.on(HeadObjectCommand, { Bucket: OUTPUT_BUCKET, Key: key(output.uri) }).resolves({ ContentLength: 48_213 });
  }
  serveMetricFiles(s3, plan.expectedOutputs);
  const thumbnail = plan.expectedOutputs.find((o) => o.kind === 'thumbnail')!;
  s3.on(ListObjectsV2Command, { Bucket: OUTPUT_BUCKET, Prefix: key(thumbnail.uri) }).resolves({
    Contents: Array.from({ length: plan.thumbnailCount }, (_, i) => ({ Key: `${key(thumbnail.uri)}.${String(i).padStart(7, '0')}.jpg`, Size: 6_512 })),
  });
}

export interface Captured {
  metadata?: MediaMetadata;
  plan?: TranscodePlan;
  transcodeRequests: unknown[];
}

export interface RealWorkflowOptions {
  /**
   * 'fake' (default): the harness's stand-in, which passes every planned output. 'real': the
   * quality-control handler, over the outputs serveOutputs puts in `s3` once the plan is known.
   */
  readonly qualityControl?: 'real' | 'fake';
  /** The S3 stub serveOutputs answers on; required for the real QualityControl. */
  readonly s3?: AwsClientStub<S3Client>;
  /**
   * true (default): the DocumentClient is bridged to the run's table. false: the handlers'
   * DocumentClient calls go to whatever the test mocked, and only the ASL writes the table.
   */
  readonly bridgeTable?: boolean;
  /** The Transcode Job's shape: with file paths as the COMPLETE event has them (default), or GetJob's. */
  readonly withPaths?: boolean;
  /**
   * true (default): HeadObject of the pinned copy answers what PinSource wrote (servePinnedCopy).
   * false: the test's own (versioned) S3 stand-in answers it.
   */
  readonly servePinned?: boolean;
}

/**
 * The real handler of every Lambda state, with the DocumentClient bridged to the run's table.
 * QualityControl is the harness's stand-in unless `qualityControl: 'real'` (checking real outputs
 * needs the files MediaConvert would have written: serveOutputs fakes them). The Transcode
 * stand-in answers COMPLETE with the outputs of the real plan.
 */
export function realWorkflow(ddb: AwsClientStub<DynamoDBDocumentClient>, captured: Captured, options: RealWorkflowOptions = {}) {
  const { qualityControl: qc = 'fake', s3, bridgeTable = true, withPaths = true, servePinned = true } = options;
  if (qc === 'real' && s3 === undefined) throw new HarnessError("realWorkflow: qualityControl 'real' needs the S3 stub to serve the outputs on");
  return {
    lambdas: (world: World): Record<string, TaskHandler> => {
      if (bridgeTable) bridgeJobTable(ddb, world.table);
      return {
        ExtractMetadata: async (input: unknown) => (captured.metadata = (await asLambdaTask('extract-metadata', extractMetadata)(input)) as MediaMetadata),
        PlanTranscode: async (input: unknown) => {
          const plan = (captured.plan = (await asLambdaTask('plan-transcode', planTranscode)(input)) as TranscodePlan);
          if (qc === 'real') serveOutputs(s3!, plan);
          return plan;
        },
        PinSource: async (input: unknown) => {
          const pinned = (await asLambdaTask('pin-source', pinSource)(input)) as PinnedSource;
          if (qc === 'real' && servePinned) servePinnedCopy(s3!, pinned);
          return pinned;
        },
        QualityControl: qc === 'real' ? asLambdaTask('quality-control', qualityControl) : fakeLambdas(world).QualityControl,
        Publish: asLambdaTask('publish', publish),
        ArchiveSource: asLambdaTask('archive-source', archiveSource),
        RecordFailure: asLambdaTask('record-failure', recordFailure),
      };
    },
    transcode: ((request: { Settings?: unknown }) => {
      captured.transcodeRequests.push(request);
      if (captured.plan === undefined || captured.metadata === undefined) throw new HarnessError('Transcode before PlanTranscode');
      return mediaConvertJobFromPlan(captured.plan, captured.metadata, request, { withPaths });
    }) as TaskHandler,
  };
}

/** Version 1 and version 2 of one source key in the overwrite runs (two different committed fixtures). */
export const VERSION_1 = readFileSync(path.join(MEDIA_DIR, 'landscape.mp4'));
export const VERSION_2 = readFileSync(path.join(MEDIA_DIR, 'portrait-no-audio.mp4'));

/**
 * The real workflow (QC included) for version 1 of `uploads/landscape.mp4` in a versioned S3
 * stand-in. `between` runs after PlanTranscode (the probe is done, the pin not yet made);
 * `duringTranscode` while MediaConvert "runs". The Transcode stand-in reads FileInput as
 * MediaConvert does: the current object at that URL; `transcodedBytes` is what it read.
 */
export async function runWithSourceOverwrite(
  ddb: AwsClientStub<DynamoDBDocumentClient>,
  s3: AwsClientStub<S3Client>,
  store: VersionedS3,
  hooks: { between?: () => void; duringTranscode?: (fileInput: string) => void },
) {
  store.install(s3, SOURCE_BUCKET, `work/${workflowInput().jobId}/`);
  const v1 = store.put(SOURCE_BUCKET, 'uploads/landscape.mp4', VERSION_1);
  const input = workflowInput({ source: { bucket: SOURCE_BUCKET, key: 'uploads/landscape.mp4', versionId: v1.versionId, etag: v1.etag, size: VERSION_1.length } });
  const captured: Captured = { transcodeRequests: [] };
  const wiring = realWorkflow(ddb, captured, { qualityControl: 'real', s3, servePinned: false });
  let transcodedBytes: Uint8Array | undefined;
  const run = await runWorkflow({
    input,
    lambdas: (world) => {
      const real = wiring.lambdas(world);
      const plan: TaskHandler = async (taskInput) => {
        const result = await real.PlanTranscode(taskInput);
        hooks.between?.();
        return result;
      };
      return { ...real, PlanTranscode: plan };
    },
    tasks: {
      Transcode: (async (request: { Settings: { Inputs: { FileInput: string }[] } }) => {
        const fileInput = request.Settings.Inputs[0].FileInput;
        const { bucket, key } = parseS3Uri(fileInput);
        transcodedBytes = store.get(bucket, key).bytes;
        hooks.duringTranscode?.(fileInput);
        return (wiring.transcode as (r: unknown) => unknown)(request);
      }) as TaskHandler,
    },
  });
  return { run, transcodedBytes, captured };
}

export { ARCHIVE_BUCKET, bridgeJobTable, OUTPUT_BUCKET, SOURCE_BUCKET };
