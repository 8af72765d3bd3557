/**
 * Runs asl/video-workflow.asl.json with aws-local-stepfunctions, every Task state overridden
 * by a local function, and records what a real execution would leave behind: the job record
 * (an in-memory table with the UpdateItem semantics the ASL uses), the SNS messages, the
 * states taken, retries, and the counts that drive cost (transitions, Lambda invocations,
 * DynamoDB writes).
 *
 * Fidelity notes (where the local engine differs from Step Functions, and what we do):
 * - A Lambda error reaches Step Functions as Error = errorType and Cause = the JSON string
 *   `{"errorType","errorMessage","trace"}`; `lambdaError()` and `asLambdaTask()` build that shape.
 * - The Context Object is static per run: `$$.State.EnteredTime` is the run's clock.
 * - Retry pauses are overridden to 0 ms so the suite does not sleep; backoff and jitter are
 *   asserted statically on the definition instead.
 * - Any Task without a local handler would make the engine call real Lambda, so the harness
 *   refuses to run a definition with a Task it has no handler for.
 */
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { DEFAULT_QUALITY_THRESHOLDS } from '../../handlers/shared/quality-thresholds';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import {
  renderWorkflowDefinition,
  taskResources,
  type AslDefinition,
  type WorkflowSubstitutions,
} from '../../asl/definition';
import { normaliseError } from '../../handlers/record-failure/normalise';
import {
  canTransition,
  type JobOutputs,
  type JobRecord,
  type JobStatus,
  type MediaMetadata,
  type QcResult,
  type TranscodePlan,
  type WorkflowInput,
} from '../../handlers/shared/job';

// ---------------------------------------------------------------------------------------------
// Substitutions and fixtures
// ---------------------------------------------------------------------------------------------

export const TEST_REGION = 'eu-west-1';
export const TEST_ACCOUNT = '123456789012';
const fn = (name: string) => `arn:aws:lambda:${TEST_REGION}:${TEST_ACCOUNT}:function:video-workflow-test-${name}`;

/** Realistic values, shaped like what stacks/workflow.ts passes after synth. */
export const TEST_SUBSTITUTIONS: WorkflowSubstitutions = {
  JobsTableName: 'video-workflow-test-jobs',
  ExtractMetadataFunctionArn: fn('extract-metadata'),
  PlanTranscodeFunctionArn: fn('plan-transcode'),
  QualityControlFunctionArn: fn('quality-control'),
  PublishFunctionArn: fn('publish'),
  ArchiveSourceFunctionArn: fn('archive-source'),
  PinSourceFunctionArn: fn('pin-source'),
  RecordFailureFunctionArn: fn('record-failure'),
  MediaConvertQueueArn: `arn:aws:mediaconvert:${TEST_REGION}:${TEST_ACCOUNT}:queues/video-workflow-test`,
  MediaConvertRoleArn: `arn:aws:iam::${TEST_ACCOUNT}:role/video-workflow-test-mediaconvert`,
  NotificationTopicArn: `arn:aws:sns:${TEST_REGION}:${TEST_ACCOUNT}:video-workflow-test-notifications`,
  WorkflowName: 'video-workflow-test',
  TranscodeTimeoutSeconds: 14_400,
  WorkflowTimeoutSeconds: 86_400,
};

export const STATE_MACHINE_ARN = `arn:aws:states:${TEST_REGION}:${TEST_ACCOUNT}:stateMachine:video-workflow-test`;
export const TEST_JOB_ID = '0123456789abcdef0123456789abcdef';
export const SOURCE_BUCKET = 'video-workflow-test-source';
export const OUTPUT_BUCKET = 'video-workflow-test-output';
export const ARCHIVE_BUCKET = 'video-workflow-test-archive';

export function executionArnOf(jobId: string): string {
  return `arn:aws:states:${TEST_REGION}:${TEST_ACCOUNT}:execution:video-workflow-test:${jobId}`;
}

export function renderTestDefinition(): AslDefinition {
  return renderWorkflowDefinition(TEST_SUBSTITUTIONS);
}

/** The execution input start-workflow writes. */
export function workflowInput(overrides: Partial<WorkflowInput> = {}): WorkflowInput {
  return {
    jobId: TEST_JOB_ID,
    source: {
      bucket: SOURCE_BUCKET,
      key: 'uploads/landscape.mp4',
      versionId: '3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY',
      etag: '9b2cf535f27731c974343645a3985328',
      size: 29_107,
    },
    trigger: 's3',
    createdAt: '2026-11-29T10:00:00.000Z',
    profile: 'standard',
    userMetadata: {},
    ...overrides,
  };
}

/** The QUEUED record start-workflow puts before StartExecution. */
export function queuedRecord(input: WorkflowInput = workflowInput()): JobRecord {
  return {
    jobId: input.jobId,
    status: 'QUEUED',
    trigger: input.trigger,
    source: input.source,
    createdAt: input.createdAt,
    updatedAt: input.createdAt,
  };
}

// ---------------------------------------------------------------------------------------------
// In-memory job table: exactly the UpdateItem expressions the ASL uses, nothing more
// ---------------------------------------------------------------------------------------------

/** A problem in the harness or an expression it does not model: fails the test, never caught by the ASL. */
export class HarnessError extends Error {
  override readonly name = 'HarnessError';
}

/** Error shaped like the one Step Functions reports for a failed service integration call. */
export function serviceError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/** Error shaped like the one Step Functions reports for a Lambda that threw (Cause is JSON). */
export function lambdaError(errorType: string, errorMessage: string): Error {
  return serviceError(errorType, JSON.stringify({ errorType, errorMessage, trace: [] }));
}

export interface UpdateItemParams {
  TableName: string;
  Key: Record<string, AttributeValue>;
  UpdateExpression: string;
  ConditionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, AttributeValue>;
}

export interface TableWrite {
  /** State (ASL integration) or function that wrote. */
  readonly writer: string;
  readonly jobId: string;
  readonly succeeded: boolean;
}

type Item = Record<string, unknown>;

/** A few DynamoDB reserved words our attribute names could plausibly collide with. */
const RESERVED = new Set(['status', 'name', 'data', 'key', 'value', 'size', 'timestamp', 'date', 'count', 'comment', 'ttl', 'user']);
const PATH = '(#[A-Za-z0-9_]+|[A-Za-z_][A-Za-z0-9_]*)';
const VALUE = '(:[A-Za-z0-9_]+)';
const ASSIGN_VALUE = new RegExp(`^${PATH}\\s*=\\s*${VALUE}$`);
const ASSIGN_APPEND = new RegExp(`^${PATH}\\s*=\\s*list_append\\(\\s*if_not_exists\\(\\s*${PATH}\\s*,\\s*${VALUE}\\s*\\)\\s*,\\s*${VALUE}\\s*\\)$`);
const CONDITION_EQUALS = new RegExp(`^${PATH}\\s*=\\s*${VALUE}$`);

export class InMemoryJobTable {
  private readonly items = new Map<string, Item>();
  readonly writes: TableWrite[] = [];

  constructor(readonly tableName: string = TEST_SUBSTITUTIONS.JobsTableName) {}

  /** Seeds a record (start-workflow's put); not counted as a workflow write. */
  seed(record: JobRecord): void {
    this.items.set(record.jobId, structuredClone(record) as unknown as Item);
  }

  get(jobId: string): JobRecord | undefined {
    const item = this.items.get(jobId);
    return item === undefined ? undefined : (structuredClone(item) as unknown as JobRecord);
  }

  /** Every record (copies), in insertion order. */
  all(): JobRecord[] {
    return [...this.items.values()].map((item) => structuredClone(item) as unknown as JobRecord);
  }

  get size(): number {
    return this.items.size;
  }

  private readonly views = new WeakMap<Item, JobRecord>();

  /**
   * The record as one copy that stays the same object until a write replaces the item, so a
   * test can tell "not rewritten" (toBe) from "rewritten with the same fields".
   */
  current(jobId: string): JobRecord | undefined {
    const item = this.items.get(jobId);
    if (item === undefined) return undefined;
    let view = this.views.get(item);
    if (view === undefined) this.views.set(item, (view = structuredClone(item) as unknown as JobRecord));
    return view;
  }

  /**
   * The `dynamodb:updateItem` integration. Supports `SET a = :v`, `SET a = list_append(
   * if_not_exists(a, :empty), :v)` and `ConditionExpression: a = :v`; anything else throws
   * HarnessError so an ASL edit the model does not cover fails loudly.
   */
  updateItem(params: UpdateItemParams, writer: string): Record<string, never> {
    if (params.TableName !== this.tableName) {
      throw new HarnessError(`updateItem on table "${params.TableName}", expected "${this.tableName}"`);
    }
    const keyNames = Object.keys(params.Key);
    if (keyNames.length !== 1 || keyNames[0] !== 'jobId' || params.Key.jobId?.S === undefined) {
      throw new HarnessError(`updateItem Key must be { jobId: { S } }, got ${JSON.stringify(params.Key)}`);
    }
    const jobId = params.Key.jobId.S;
    const names = params.ExpressionAttributeNames ?? {};
    const rawValues = params.ExpressionAttributeValues ?? {};
    const usedNames = new Set<string>();
    const usedValues = new Set<string>();

    const attr = (token: string): string => {
      if (token.startsWith('#')) {
        const resolved = names[token];
        if (resolved === undefined) throw new HarnessError(`ExpressionAttributeNames has no ${token}`);
        usedNames.add(token);
        return resolved;
      }
      if (RESERVED.has(token.toLowerCase())) {
        // DynamoDB rejects reserved words used as bare attribute names (ValidationException).
        throw new HarnessError(`"${token}" is a DynamoDB reserved word; use an ExpressionAttributeNames alias`);
      }
      return token;
    };
    const value = (token: string): unknown => {
      const raw = rawValues[token];
      if (raw === undefined) throw new HarnessError(`ExpressionAttributeValues has no ${token}`);
      usedValues.add(token);
      return unmarshall({ v: raw }).v;
    };

    // Evaluate the condition and every right-hand side against the item as it was (DynamoDB semantics).
    const before = this.items.get(jobId);
    let conditionHolds = true;
    if (params.ConditionExpression !== undefined) {
      const match = CONDITION_EQUALS.exec(params.ConditionExpression.trim());
      if (!match) throw new HarnessError(`unsupported ConditionExpression: ${params.ConditionExpression}`);
      const [, path, valueToken] = match as unknown as [string, string, string];
      const name = attr(path);
      const expected = value(valueToken);
      conditionHolds = before !== undefined && before[name] !== undefined && JSON.stringify(before[name]) === JSON.stringify(expected);
    }

    const expression = params.UpdateExpression.trim();
    if (!/^SET\s/i.test(expression)) throw new HarnessError(`unsupported UpdateExpression (only SET): ${expression}`);
    const updates: [string, unknown][] = [];
    for (const clause of splitTopLevel(expression.replace(/^SET\s+/i, ''))) {
      const plain = ASSIGN_VALUE.exec(clause);
      const append = ASSIGN_APPEND.exec(clause);
      if (plain) {
        const [, path, valueToken] = plain as unknown as [string, string, string];
        updates.push([attr(path), value(valueToken)]);
      } else if (append) {
        const [, path, existsPath, fallbackToken, appendToken] = append as unknown as [string, string, string, string, string];
        const name = attr(path);
        const existing = before?.[attr(existsPath)] ?? value(fallbackToken);
        const added = value(appendToken);
        if (!Array.isArray(existing) || !Array.isArray(added)) {
          throw new HarnessError(`list_append operands must be lists in: ${clause}`);
        }
        updates.push([name, [...existing, ...added]]);
      } else {
        throw new HarnessError(`unsupported SET clause: ${clause}`);
      }
    }

    // DynamoDB answers ValidationException for names/values the expressions do not use.
    const unusedNames = Object.keys(names).filter((n) => !usedNames.has(n));
    const unusedValues = Object.keys(rawValues).filter((v) => !usedValues.has(v));
    if (unusedNames.length > 0 || unusedValues.length > 0) {
      throw new HarnessError(`unused expression attribute names/values: ${[...unusedNames, ...unusedValues].join(', ')}`);
    }

    if (!conditionHolds) {
      this.writes.push({ writer, jobId, succeeded: false });
      throw serviceError('DynamoDB.ConditionalCheckFailedException', 'The conditional request failed (Service: DynamoDb, Status Code: 400)');
    }
    const after: Item = { ...(before ?? { jobId }) };
    for (const [name, newValue] of updates) after[name] = newValue;
    this.items.set(jobId, after);
    this.writes.push({ writer, jobId, succeeded: true });
    return {};
  }

  /**
   * A status change as the handlers make it (conditional on ALLOWED_TRANSITIONS), used by the
   * fake Lambdas. Returns false, without writing, when the transition is not allowed.
   */
  transition(jobId: string, to: JobStatus, fields: Partial<JobRecord>, writer: string): boolean {
    const before = this.items.get(jobId);
    if (before === undefined || !canTransition(before.status as JobStatus, to)) {
      this.writes.push({ writer, jobId, succeeded: false });
      return false;
    }
    this.items.set(jobId, { ...before, ...structuredClone(fields), status: to });
    this.writes.push({ writer, jobId, succeeded: true });
    return true;
  }

  /** Appends a warning to an existing record (what publish does when its notification fails). */
  addWarning(jobId: string, warning: string, writer: string): void {
    const before = this.items.get(jobId);
    if (before === undefined) throw new HarnessError(`addWarning on missing job ${jobId}`);
    this.items.set(jobId, { ...before, warnings: [...((before.warnings as string[] | undefined) ?? []), warning] });
    this.writes.push({ writer, jobId, succeeded: true });
  }
}

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of text) {
    if (char === '(') depth++;
    if (char === ')') depth--;
    if (char === ',' && depth === 0) {
      parts.push(current.trim());
      current = '';
    } else {
      current += char;
    }
  }
  parts.push(current.trim());
  return parts;
}

// ---------------------------------------------------------------------------------------------
// Notifications
// ---------------------------------------------------------------------------------------------

export interface Notification {
  readonly topicArn: string;
  readonly subject?: string;
  /** The message body as delivered (a string), and parsed when it is JSON. */
  readonly message: string;
  readonly body: unknown;
  /** Who sent it: the NotifyFailure state or a function. */
  readonly sender: string;
}

export class NotificationSink {
  readonly sent: Notification[] = [];
  /** When set, every publish throws this (SNS outage, KMS throttling, ...). */
  failWith: Error | undefined;

  publish(params: { TopicArn?: unknown; Subject?: unknown; Message?: unknown }, sender: string): { MessageId: string } {
    if (this.failWith) throw this.failWith;
    if (typeof params.TopicArn !== 'string') throw new HarnessError(`${sender}: sns:publish without TopicArn`);
    // The SNS integration serialises a JSON object Message; SNS itself only carries strings.
    const message = typeof params.Message === 'string' ? params.Message : JSON.stringify(params.Message);
    let body: unknown;
    try {
      body = JSON.parse(message);
    } catch {
      body = message;
    }
    this.sent.push({
      topicArn: params.TopicArn,
      subject: typeof params.Subject === 'string' ? params.Subject : undefined,
      message,
      body,
      sender,
    });
    return { MessageId: `message-${this.sent.length}` };
  }
}

// ---------------------------------------------------------------------------------------------
// Task handlers
// ---------------------------------------------------------------------------------------------

// `unknown` alone: a handler may return a value or a promise of one.
export type TaskHandler = (input: any) => unknown;

/** The world a run acts on; fake and real task handlers share it. */
export interface World {
  readonly table: InMemoryJobTable;
  readonly notifications: NotificationSink;
  readonly now: string;
}

export const FAKE_METADATA: MediaMetadata = {
  container: 'MPEG-4',
  durationSeconds: 2,
  width: 320,
  height: 180,
  displayWidth: 320,
  displayHeight: 180,
  displayAspectRatio: 16 / 9,
  rotation: 0,
  frameRate: 25,
  videoCodec: 'AVC',
  bitRate: 116_000,
  audioTrackCount: 1,
  audioCodec: 'AAC',
  bytesRead: 29_107,
};

export function fakePlan(jobId: string): TranscodePlan {
  const prefix = `s3://${OUTPUT_BUCKET}/${jobId}/`;
  return {
    settings: {
      Inputs: [{ FileInput: `s3://${ARCHIVE_BUCKET}/work/${jobId}/source.mp4`, AudioSelectors: { 'Audio Selector 1': { DefaultSelection: 'DEFAULT' } } }],
      OutputGroups: [
        { Name: 'File Group', OutputGroupSettings: { Type: 'FILE_GROUP_SETTINGS', FileGroupSettings: { Destination: `${prefix}mp4/` } } },
        { Name: 'Apple HLS', OutputGroupSettings: { Type: 'HLS_GROUP_SETTINGS', HlsGroupSettings: { Destination: `${prefix}hls/index`, SegmentLength: 6, MinSegmentLength: 0 } } },
      ],
    },
    ladder: [{ width: 320, height: 180, maxBitrate: 400_000, qvbrQualityLevel: 7 }],
    expectedOutputs: [
      { kind: 'mp4', uri: `${prefix}mp4/index_180p.mp4`, width: 320, height: 180, maxBitrate: 400_000 },
      { kind: 'hls-master', uri: `${prefix}hls/index.m3u8` },
      { kind: 'hls-rendition', uri: `${prefix}hls/index_180p.m3u8`, width: 320, height: 180, maxBitrate: 400_000 },
      { kind: 'thumbnail', uri: `${prefix}thumbnails/index` },
    ],
    thumbnailCount: 1,
    outputPrefix: prefix,
    quality: DEFAULT_QUALITY_THRESHOLDS,
    profile: 'standard',
    groupRoles: ['mp4', 'hls'],
    accelerationSettings: { Mode: 'DISABLED' },
    userMetadata: { jobId, workflow: TEST_SUBSTITUTIONS.WorkflowName, profile: 'standard' },
  };
}

/** The MediaConvert `Job` a .sync task returns when the job COMPLETEs (trimmed to what we read). */
export function completedMediaConvertJob(params: { Settings?: unknown; UserMetadata?: Record<string, string> }, id = '1732870000000-abc123') {
  const plan = fakePlan(params.UserMetadata?.jobId ?? TEST_JOB_ID);
  const prefix = plan.outputPrefix;
  return {
    Job: {
      Id: id,
      Arn: `arn:aws:mediaconvert:${TEST_REGION}:${TEST_ACCOUNT}:jobs/${id}`,
      Status: 'COMPLETE',
      Queue: TEST_SUBSTITUTIONS.MediaConvertQueueArn,
      Role: TEST_SUBSTITUTIONS.MediaConvertRoleArn,
      UserMetadata: params.UserMetadata,
      Settings: params.Settings,
      OutputGroupDetails: [
        { Type: 'FILE_GROUP', OutputDetails: [{ OutputFilePaths: [`${prefix}mp4/index_180p.mp4`], DurationInMs: 2000, VideoDetails: { WidthInPx: 320, HeightInPx: 180 } }] },
        {
          Type: 'HLS_GROUP',
          PlaylistFilePaths: [`${prefix}hls/index.m3u8`],
          OutputDetails: [{ OutputFilePaths: [`${prefix}hls/index_180p.m3u8`], DurationInMs: 2000, VideoDetails: { WidthInPx: 320, HeightInPx: 180 } }],
        },
      ],
    },
  };
}

/** What Step Functions reports when a .sync MediaConvert job ends in ERROR. */
export function mediaConvertJobFailed(errorCode: number, errorMessage: string, id = '1732870000000-err001'): Error {
  const job = {
    Id: id,
    Arn: `arn:aws:mediaconvert:${TEST_REGION}:${TEST_ACCOUNT}:jobs/${id}`,
    Status: 'ERROR',
    ErrorCode: errorCode,
    ErrorMessage: errorMessage,
    Queue: TEST_SUBSTITUTIONS.MediaConvertQueueArn,
    UserMetadata: { jobId: TEST_JOB_ID, workflow: TEST_SUBSTITUTIONS.WorkflowName },
  };
  return serviceError('States.TaskFailed', JSON.stringify(job));
}

/**
 * Phase-1 stand-ins for the Lambda functions, written from the contracts in
 * handlers/shared/job.ts and the state comments in the ASL: they return the documented
 * shapes and make the documented table writes, and nothing else.
 */
export function fakeLambdas(world: World): Record<string, TaskHandler> {
  return {
    ExtractMetadata: () => FAKE_METADATA,
    PlanTranscode: (input: { jobId: string }) => fakePlan(input.jobId),
    QualityControl: (input: { plan: { expectedOutputs: unknown[] } }): QcResult => ({
      passed: true,
      checks: input.plan.expectedOutputs.map((_, i) => ({ name: `output-${i}-exists`, passed: true, detail: 'non-empty' })),
      failures: [],
    }),
    Publish: (input: { jobId: string; plan: TranscodePlan; qc: QcResult; metadata: MediaMetadata; transcode: { mediaConvertJobId: string } }) => {
      const outputs: JobOutputs = {
        mp4: input.plan.expectedOutputs.filter((o) => o.kind === 'mp4').map((o) => o.uri),
        hls: input.plan.expectedOutputs.find((o) => o.kind === 'hls-master')?.uri,
        thumbnails: input.plan.expectedOutputs.filter((o) => o.kind === 'thumbnail').map((o) => o.uri),
      };
      const completed = world.table.transition(
        input.jobId,
        'COMPLETED',
        {
          outputs,
          metadata: input.metadata,
          mediaConvertJobId: input.transcode.mediaConvertJobId,
          qc: { passed: input.qc.passed, failures: input.qc.failures, checkCount: input.qc.checks.length },
          finishedAt: world.now,
          updatedAt: world.now,
        },
        'Publish',
      );
      if (!completed) throw lambdaError('JobStateConflict', `job ${input.jobId} cannot move to COMPLETED`);
      // Once COMPLETED, a failed notification must not fail the job: it becomes a warning.
      let notified = true;
      try {
        world.notifications.publish(
          { TopicArn: TEST_SUBSTITUTIONS.NotificationTopicArn, Subject: 'Video job completed', Message: { event: 'JOB_COMPLETED', jobId: input.jobId, outputs } },
          'Publish',
        );
      } catch {
        notified = false;
        world.table.addWarning(input.jobId, 'Success notification failed', 'Publish');
      }
      return { outputs, notified };
    },
    PinSource: (input: { jobId: string; source: { key: string; versionId?: string; etag: string; size: number } }) => ({
      bucket: ARCHIVE_BUCKET,
      key: `work/${input.jobId}/source.mp4`,
      versionId: 'pinned-v1',
      size: input.source.size,
      ...(input.source.versionId ? { sourceVersionId: input.source.versionId } : {}),
      sourceEtag: input.source.etag,
    }),
    ArchiveSource: (input: { jobId: string; source: { key: string; versionId?: string } }) => ({
      archiveKey: `${input.jobId}/${input.source.key}`,
      versionId: input.source.versionId,
    }),
    // The error normalisation is record-failure's own (pure) code; only the table write is modelled.
    RecordFailure: (input: { jobId: string; error: { Error: string; Cause?: string } }) => {
      const { name, cause, mediaConvertError } = normaliseError(input.error);
      world.table.transition(
        input.jobId,
        'FAILED',
        { error: { name, cause }, ...(mediaConvertError ? { mediaConvertError } : {}), finishedAt: world.now, updatedAt: world.now },
        'RecordFailure',
      );
      return { Error: name, Cause: cause };
    },
  };
}

/** Fails `times` times with `error`, then delegates. `calls()` counts every attempt. */
export function failingTimes(times: number, error: () => Error, then: TaskHandler): TaskHandler & { calls: () => number } {
  let calls = 0;
  const handler = async (input: unknown) => {
    calls++;
    if (calls <= times) throw error();
    return then(input);
  };
  return Object.assign(handler, { calls: () => calls });
}

/** Never answers for the first `times` attempts (the task's TimeoutSeconds fires), then delegates. */
export function hangingTimes(times: number, then: TaskHandler): TaskHandler & { calls: () => number } {
  let calls = 0;
  const handler = (input: unknown) => {
    calls++;
    if (calls <= times) return new Promise<never>(() => {});
    return then(input);
  };
  return Object.assign(handler, { calls: () => calls });
}

/** Always throws. */
export function alwaysFailing(error: () => Error): TaskHandler {
  return () => {
    throw error();
  };
}

// ---------------------------------------------------------------------------------------------
// Running an execution
// ---------------------------------------------------------------------------------------------

export interface RunWorkflowOptions {
  readonly input?: WorkflowInput;
  /** The record in the table before the run; `null` for none. Default: QUEUED from the input. */
  readonly seed?: JobRecord | null;
  /** Per-state replacements for the default (fake) handlers. */
  readonly tasks?: Readonly<Record<string, TaskHandler>>;
  /** Replaces the Lambda defaults wholesale (phase 2: the real handlers), given the world. */
  readonly lambdas?: (world: World) => Record<string, TaskHandler>;
  readonly definition?: AslDefinition;
  /** `$$.State.EnteredTime` for every state (the local Context Object is static). */
  readonly now?: string;
  /** Called before the run, e.g. to make SNS fail. */
  readonly prepare?: (world: World) => void;
}

export interface ExecutionRecord {
  readonly status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT';
  readonly output?: unknown;
  readonly error?: { readonly Error: string; readonly Cause: unknown };
  /** Top-level states entered, in order (a retried state appears once per entry, not per attempt). */
  readonly states: string[];
  /** Attempts per Task state (calls to its handler). */
  readonly attempts: Record<string, number>;
  readonly retries: { readonly state: string; readonly attempt: number; readonly error: string }[];
  readonly caught: { readonly state: string; readonly error: string; readonly next: string }[];
  /** Billable state transitions: every state entered plus every retry. */
  readonly transitions: number;
  readonly lambdaInvocations: number;
  /** Write requests to the job table during the execution (successful and conditional failures). */
  readonly dynamoWrites: number;
  /** Wall time per state (ms, summed over entries), as measured locally. */
  readonly stateDurations: Record<string, number>;
  /** Largest state output (bytes of JSON); Step Functions caps this at 256 KiB. */
  readonly maxStatePayloadBytes: number;
  readonly world: World;
  readonly record: JobRecord | undefined;
}

const SERVICE_UPDATE_ITEM = 'arn:aws:states:::dynamodb:updateItem';
const SERVICE_SNS_PUBLISH = 'arn:aws:states:::sns:publish';
const SERVICE_MEDIACONVERT_SYNC = 'arn:aws:states:::mediaconvert:createJob.sync';
const LAMBDA_ARN = /^arn:aws:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9-_]+$/;

/** Lambda's own limits: 6 MB synchronous payload; the state machine caps state at 256 KiB. */
export const MAX_STATE_BYTES = 256 * 1024;

export async function runWorkflow(options: RunWorkflowOptions = {}): Promise<ExecutionRecord> {
  const definition = options.definition ?? renderTestDefinition();
  const input = options.input ?? workflowInput();
  const now = options.now ?? '2026-11-29T10:00:01.000Z';
  const world: World = { table: new InMemoryJobTable(), notifications: new NotificationSink(), now };
  if (options.seed !== null) world.table.seed(options.seed ?? queuedRecord(input));
  options.prepare?.(world);

  const lambdas = { ...(options.lambdas ?? fakeLambdas)(world), ...options.tasks };
  const attempts: Record<string, number> = {};
  const harnessErrors: Error[] = [];
  const overrides: Record<string, TaskHandler> = {};
  const retryIntervalOverrides: Record<string, number> = {};
  let lambdaInvocations = 0;

  for (const { state, resource } of taskResources(definition)) {
    retryIntervalOverrides[state] = 0;
    let handler: TaskHandler;
    let isLambda = false;
    if (resource === SERVICE_UPDATE_ITEM) {
      handler = options.tasks?.[state] ?? ((params: UpdateItemParams) => world.table.updateItem(params, state));
    } else if (resource === SERVICE_SNS_PUBLISH) {
      handler = options.tasks?.[state] ?? ((params: Record<string, unknown>) => world.notifications.publish(params, state));
    } else if (resource === SERVICE_MEDIACONVERT_SYNC) {
      handler = options.tasks?.[state] ?? ((params: Record<string, unknown>) => validatedCreateJob(params));
    } else if (LAMBDA_ARN.test(resource)) {
      const lambda = lambdas[state];
      if (lambda === undefined) throw new HarnessError(`no handler for Lambda task ${state}`);
      handler = lambda;
      isLambda = true;
    } else {
      throw new HarnessError(`Task ${state} calls ${resource}, which the harness does not model`);
    }
    overrides[state] = async (taskInput: unknown) => {
      attempts[state] = (attempts[state] ?? 0) + 1;
      if (isLambda) lambdaInvocations++;
      try {
        // Lambda and the integrations see JSON, never shared object references.
        const result = await handler(JSON.parse(JSON.stringify(taskInput)));
        return (result === undefined ? null : JSON.parse(JSON.stringify(result))) as never;
      } catch (error) {
        if (error instanceof HarnessError) harnessErrors.push(error);
        throw error;
      }
    };
  }

  // The engine's validator annotates the definition it is given, so it gets a copy; a JSON copy,
  // because structuredClone builds objects of the outer realm, which the engine (loaded in
  // jest's realm) does not recognise as plain objects and would not treat as payload templates.
  const machine = new StateMachine(JSON.parse(JSON.stringify(definition)) as StateMachineDefinition);
  const execution = machine.run(input as never, {
    overrides: { taskResourceLocalHandlers: overrides as never, retryIntervalOverrides },
    context: {
      Execution: { Id: executionArnOf(input.jobId), Name: input.jobId },
      StateMachine: { Id: STATE_MACHINE_ARN, Name: 'video-workflow-test' },
      State: { EnteredTime: now },
    },
  });
  let output: unknown;
  let status: ExecutionRecord['status'] = 'SUCCEEDED';
  try {
    output = await execution.result;
  } catch (error) {
    status = (error as Error).name === 'ExecutionTimeoutError' ? 'TIMED_OUT' : 'FAILED';
  }
  if (harnessErrors.length > 0) throw harnessErrors[0];

  const states: string[] = [];
  const retries: ExecutionRecord['retries'] = [];
  const caught: ExecutionRecord['caught'] = [];
  const stateDurations: Record<string, number> = {};
  const entered = new Map<string, number>();
  let lastError = '';
  let error: ExecutionRecord['error'];
  let maxStatePayloadBytes = Buffer.byteLength(JSON.stringify(input));
  for await (const event of execution.eventLogs) {
    switch (event.type) {
      case 'StateEntered':
        states.push(event.state.name);
        entered.set(event.state.name, event.timestamp);
        break;
      case 'StateExited':
        stateDurations[event.state.name] = (stateDurations[event.state.name] ?? 0) + event.timestamp - (entered.get(event.state.name) ?? event.timestamp);
        maxStatePayloadBytes = Math.max(maxStatePayloadBytes, Buffer.byteLength(JSON.stringify(event.state.output ?? null)));
        break;
      case 'StateFailed':
        lastError = event.Error;
        break;
      case 'StateRetried':
        retries.push({ state: event.state.name, attempt: event.retry.attempt, error: lastError });
        break;
      case 'StateCaught':
        caught.push({ state: event.state.name, error: lastError, next: event.catch.catcher.Next });
        stateDurations[event.state.name] = (stateDurations[event.state.name] ?? 0) + event.timestamp - (entered.get(event.state.name) ?? event.timestamp);
        break;
      case 'ExecutionFailed':
        error = { Error: event.Error, Cause: event.Cause };
        break;
      default:
        break;
    }
  }

  return {
    status,
    output,
    error,
    states,
    attempts,
    retries,
    caught,
    transitions: states.length + retries.length,
    lambdaInvocations,
    dynamoWrites: world.table.writes.length,
    stateDurations,
    maxStatePayloadBytes,
    world,
    record: world.table.get(input.jobId),
  };
}

/** The default Transcode stand-in: checks the request the ASL builds, then reports COMPLETE. */
function validatedCreateJob(params: Record<string, unknown>) {
  const userMetadata = params.UserMetadata as Record<string, string> | undefined;
  if (params.Queue !== TEST_SUBSTITUTIONS.MediaConvertQueueArn) throw new HarnessError(`CreateJob Queue ${String(params.Queue)}`);
  if (params.Role !== TEST_SUBSTITUTIONS.MediaConvertRoleArn) throw new HarnessError(`CreateJob Role ${String(params.Role)}`);
  if (typeof params.Settings !== 'object' || params.Settings === null) throw new HarnessError('CreateJob without Settings');
  if (!userMetadata?.jobId) throw new HarnessError('CreateJob without UserMetadata.jobId');
  return completedMediaConvertJob({ Settings: params.Settings, UserMetadata: userMetadata });
}

/** For the benchmark: one successful run with the phase-1 stand-ins, and the cost drivers. */
export async function runSuccessfulExecution(options: RunWorkflowOptions = {}): Promise<{
  transitions: number;
  lambdaInvocations: number;
  dynamoWrites: number;
  stateDurations: Record<string, number>;
}> {
  const run = await runWorkflow(options);
  if (run.status !== 'SUCCEEDED') {
    throw new Error(`expected a successful execution, got ${run.status}: ${JSON.stringify(run.error)}`);
  }
  return {
    transitions: run.transitions,
    lambdaInvocations: run.lambdaInvocations,
    dynamoWrites: run.dynamoWrites,
    stateDurations: run.stateDurations,
  };
}

// ---------------------------------------------------------------------------------------------
// Phase 2: real handlers
// ---------------------------------------------------------------------------------------------

/** The Lambda context fields handlers may read; the rest of the interface is never used here. */
export function fakeLambdaContext(functionName: string) {
  return {
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${TEST_REGION}:${TEST_ACCOUNT}:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2026/11/29/[$LATEST]0123456789abcdef',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => 60_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/**
 * Invokes a real handler the way Lambda does for a Task state: JSON in, JSON out, and a
 * thrown error reported as Error = its `name` (the runtime's errorType) with the JSON cause.
 */
export function asLambdaTask(functionName: string, handler: (event: any, context: any) => Promise<unknown>): TaskHandler {
  return async (input: unknown) => {
    try {
      return await handler(input, fakeLambdaContext(functionName));
    } catch (error) {
      const e = error as Error;
      throw lambdaError(e.name || 'Error', e.message);
    }
  };
}

/**
 * The `{ Job }` a `.sync` createJob returns when MediaConvert COMPLETEs the job planned by
 * plan-transcode: one output detail per planned output, durations from the source metadata.
 *
 * `withPaths: false` gives the shape of the MediaConvert API model for GetJob (OutputDetails
 * with DurationInMs and VideoDetails only); `true` adds the group `Type` ('HLS_GROUP',
 * 'FILE_GROUP'), `OutputFilePaths` and `PlaylistFilePaths` as the COMPLETE event reports them.
 * Which one `.sync` hands back has not been observed here (no AWS account), so both are tested.
 */
export function mediaConvertJobFromPlan(
  plan: TranscodePlan,
  metadata: MediaMetadata,
  request: { Queue?: unknown; Role?: unknown; Settings?: unknown; UserMetadata?: unknown },
  options: { withPaths?: boolean; id?: string } = {},
) {
  const withPaths = options.withPaths ?? true;
  const id = options.id ?? '1732870000000-real01';
  const durationInMs = Math.round(metadata.durationSeconds * 1000);
  const detail = (uri: string, width?: number, height?: number) => ({
    ...(withPaths ? { OutputFilePaths: [uri] } : {}),
    DurationInMs: durationInMs,
    ...(width === undefined || height === undefined ? {} : { VideoDetails: { WidthInPx: width, HeightInPx: height } }),
  });
  const group = <T extends object>(type: string, extra: T) => (withPaths ? { Type: type, ...extra } : extra);
  const byKind = (kind: string) => plan.expectedOutputs.filter((o) => o.kind === kind);
  const thumbnail = byKind('thumbnail')[0];
  return {
    Job: {
      Id: id,
      Arn: `arn:aws:mediaconvert:${TEST_REGION}:${TEST_ACCOUNT}:jobs/${id}`,
      Status: 'COMPLETE',
      Queue: request.Queue,
      Role: request.Role,
      Settings: request.Settings,
      UserMetadata: request.UserMetadata,
      CreatedAt: '2026-11-29T10:00:05.000Z',
      Timing: { SubmitTime: '2026-11-29T10:00:05.000Z', StartTime: '2026-11-29T10:00:07.000Z', FinishTime: '2026-11-29T10:00:31.000Z' },
      OutputGroupDetails: [
        group('FILE_GROUP', { OutputDetails: byKind('mp4').map((o) => detail(o.uri, o.width, o.height)) }),
        group('HLS_GROUP', {
          ...(withPaths ? { PlaylistFilePaths: byKind('hls-master').map((o) => o.uri) } : {}),
          OutputDetails: byKind('hls-rendition').map((o) => detail(o.uri, o.width, o.height)),
        }),
        group('FILE_GROUP', {
          OutputDetails: thumbnail
            ? Array.from({ length: plan.thumbnailCount }, (_, i) => ({
                ...(withPaths ? { OutputFilePaths: [`${thumbnail.uri}.${String(i).padStart(7, '0')}.jpg`] } : {}),
                VideoDetails: { WidthInPx: thumbnail.width, HeightInPx: thumbnail.height },
              }))
            : [],
        }),
      ],
    },
  };
}
