import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, StartExecutionCommand, type DescribeExecutionCommandInput, type SFNClient, type StartExecutionCommandInput } from '@aws-sdk/client-sfn';
import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { renderWorkflowDefinition, type WorkflowSubstitutions } from '../asl/definition';
import type { JobRecord, WorkflowInput } from '../handlers/shared/job';
import { ENVIRONMENTS, workflowTimeoutSeconds } from '../stacks/config';
import { failedStateOf, fromExecutionState, writeJournalEntry } from './job-journal';
import { applyEnvironment, handlerEnvironment, LOCAL_ARNS, LOCAL_NAMES, localEvent } from './environment';
import { mapBounded } from './pool';
import { parseS3Uri } from './s3-uri';
import { S3ObjectStore } from './s3-store';
import { LOCAL_ACCOUNT_ID, LOCAL_CREDENTIALS, LOCAL_REGION, startStandIns, type StandIns } from './standins';
import { stateLayout } from './state-layout';
import { dynamoDbTask, InvocationQueue, lambdaContext, lambdaTask, snsPublishTask, StatesError, type LambdaHandler } from './tasks';
import { runLocalTranscode, statusUpdateIntervalMs, TranscodeFailed, type CreateJobRequest, type TranscodePhase } from './transcoder';
import { LocalStepFunctions, taskStates, type ExecutionInfo, type TaskOverride, type TaskStateInfo } from './workflow';
import { LOCAL_OWNER } from '../handlers/shared/owner';

/** Lambda functions of the state machine: substitution key -> handler folder. */
export const WORKFLOW_FUNCTIONS = {
  ExtractMetadataFunctionArn: 'extract-metadata',
  PlanTranscodeFunctionArn: 'plan-transcode',
  QualityControlFunctionArn: 'quality-control',
  PublishFunctionArn: 'publish',
  ArchiveSourceFunctionArn: 'archive-source',
  PinSourceFunctionArn: 'pin-source',
  RecordFailureFunctionArn: 'record-failure',
} as const;

type WorkflowHandlerDir = (typeof WORKFLOW_FUNCTIONS)[keyof typeof WORKFLOW_FUNCTIONS];

/**
 * The handler modules, loaded after the environment points at the stand-ins. Static imports (not
 * a path built at run time), so the engine can run from its esbuild bundle (local/engine-bundle.ts)
 * without a TypeScript loader; a handler folder this list names and the tree lacks fails tsc.
 */
const HANDLER_MODULES: Record<WorkflowHandlerDir | 'job-progress', () => Promise<Partial<HandlerModule>>> = {
  'extract-metadata': () => import('../handlers/extract-metadata/index'),
  'plan-transcode': () => import('../handlers/plan-transcode/index'),
  'quality-control': () => import('../handlers/quality-control/index'),
  publish: () => import('../handlers/publish/index'),
  'archive-source': () => import('../handlers/archive-source/index'),
  'pin-source': () => import('../handlers/pin-source/index'),
  'record-failure': () => import('../handlers/record-failure/index'),
  'job-progress': () => import('../handlers/job-progress/index'),
};

/** Lambda's default timeout when a Task sets none is irrelevant here: Step Functions' 60 s default applies. */
const DEFAULT_TASK_TIMEOUT_SECONDS = 60;

export type RunEvent =
  | { readonly type: 'uploaded'; readonly file: string; readonly key: string }
  | { readonly type: 'started'; readonly file: string; readonly jobId: string }
  | { readonly type: 'stage'; readonly file: string; readonly stage: string }
  | { readonly type: 'transcode'; readonly file: string; readonly phase: TranscodePhase; readonly percent: number }
  | { readonly type: 'finished'; readonly file: string; readonly result: VideoResult };

export interface LocalOutputs {
  readonly mp4: string[];
  readonly hls?: string;
  readonly thumbnails: string[];
  readonly dash?: string;
}

/** One video's end state: the job record with outputs as local paths. */
export interface VideoResult {
  readonly file: string;
  readonly jobId?: string;
  readonly status: 'COMPLETED' | 'FAILED' | 'QUEUED' | 'PROCESSING';
  readonly error?: { readonly name: string; readonly cause: string };
  readonly durationSeconds?: number;
  readonly outputs: LocalOutputs;
  /** The record's s3:// outputs, as the cloud API would show them. */
  readonly s3Outputs?: JobRecord['outputs'];
  readonly outputCount: number;
  readonly wallMs: number;
  /** ffmpeg time inside the Transcode task (ms). */
  readonly transcodeMs?: number;
  /** The ffmpeg arguments the transcoder ran (paths in its scratch folder), to reproduce or time it. */
  readonly ffmpegArgs?: readonly string[];
  /** ffmpeg time measuring per-frame quality inside the Transcode task (ms), and that run's arguments. */
  readonly measureMs?: number;
  readonly measureArgs?: readonly string[];
  /** Settings the local transcoder could not honour, plus local-only problems. */
  readonly localWarnings: string[];
  readonly executionStatus?: string;
  readonly record?: JobRecord;
}

export interface LocalRuntimeOptions {
  /** State folder (default .local). */
  readonly stateDir: string;
  /** Where outputs are copied; each job gets `<outDir>/<jobId>/`. Default `<stateDir>/out`. */
  readonly outDir?: string;
  readonly onEvent?: (event: RunEvent) => void;
  /** Shorter Retry pauses, for tests. */
  readonly retryIntervalMs?: number;
  /** What runs a CreateJob request (default: ffmpeg, runLocalTranscode); the load harness swaps in a fast stand-in. */
  readonly transcode?: typeof runLocalTranscode;
  /** Aborted on Ctrl-C: running transcodes stop (ffmpeg is killed) and their jobs fail. */
  readonly signal?: AbortSignal;
  /** Remembers the ASL definitions already validated (LocalStepFunctionsOptions.validationCacheDir). */
  readonly validationCacheDir?: string;
  /**
   * Lambda Task timeouts count from when the handler starts, not from when the state was
   * entered. Here every Lambda step takes turns in one process (InvocationQueue); in AWS each
   * runs in its own container at once. With thousands of executions open (the load harness's
   * burst) the wait for a turn would otherwise exhaust TimeoutSeconds before the handler runs.
   */
  readonly lambdaTimeoutFromInvocationStart?: boolean;
  /**
   * Lambda invocations that may run at once (default 1: one at a time, InvocationQueue).
   * Above 1 only for drivers that silence the handlers' logs and metrics (the load harness):
   * the handlers share one process, so the logger's appended jobId and the stored EMF metrics
   * are shared too. extract-metadata stays one at a time whatever this says (SERIAL_FUNCTIONS).
   */
  readonly lambdaConcurrency?: number;
}

/**
 * Functions whose module-scope state cannot serve two invocations at once: extract-metadata's
 * one mediainfo.js instance reads one file at a time (Lambda never shares a container either).
 */
const SERIAL_FUNCTIONS: ReadonlySet<string> = new Set(['extract-metadata']);

/** A day: the engine's timer for a Lambda Task whose timeout `lambdaTask` enforces itself (setTimeout caps at 2^31-1 ms). */
const DEFERRED_TASK_TIMEOUT_SECONDS = 86_400;

export interface LocalRuntime {
  readonly standIns: StandIns;
  /** `options.profile`: the encoding profile, as `POST /jobs {"profile"}` chooses it (default: the standard profile). */
  runFile(path: string, options?: { readonly profile?: string }): Promise<VideoResult>;
  /** The wiring behind runFile, for drivers that bring their own ingest path (the load harness). */
  readonly internals: LocalRuntimeInternals;
  close(): Promise<void>;
}

export interface LocalRuntimeInternals {
  readonly sfn: LocalStepFunctions;
  /** start-job's dependencies as the cloud functions read them (Step Functions excepted). */
  readonly startDeps: Omit<import('../handlers/shared/start-job').StartJobDeps, 'sfn'>;
  readonly jobStore: import('../handlers/shared/job-store').DynamoJobStore;
  readonly objects: S3ObjectStore;
  /** The plain DynamoDB client the ASL's DynamoDB tasks use. */
  readonly dynamodb: DynamoDBClient;
  /** Delivers a "MediaConvert Job State Change" event to the real job-progress handler. */
  sendProgressEvent(jobId: string, mediaConvertJobId: string, detail: Record<string, unknown>): Promise<void>;
  /** Delivers any EventBridge event (e.g. "Step Functions Execution Status Change") to job-progress. */
  invokeJobProgress(event: unknown): Promise<unknown>;
}

/** A handler module; `handler` returns a value or a promise of one. */
type HandlerModule = { handler: LambdaHandler };

interface FileState {
  readonly file: string;
  jobId?: string;
  transcodeMs?: number;
  ffmpegArgs?: readonly string[];
  measureMs?: number;
  measureArgs?: readonly string[];
  readonly warnings: string[];
}

/**
 * Starts the stand-ins, points the handlers' environment at them, loads the real handlers and
 * the real ASL, and returns a runtime that takes a video file through the whole workflow.
 */
export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const stateDir = resolve(options.stateDir);
  const layout = stateLayout(stateDir);
  const outDir = resolve(options.outDir ?? layout.out);
  const emit = options.onEvent ?? (() => {});

  const standIns = await startStandIns({
    stateDir,
    buckets: [LOCAL_NAMES.sourceBucket, LOCAL_NAMES.outputBucket, LOCAL_NAMES.archiveBucket],
    tableName: LOCAL_NAMES.jobsTable,
  });
  try {
    // Before any handler module loads: they create SDK clients at module scope from the environment.
    applyEnvironment(handlerEnvironment(standIns));

    // The handlers' own clients (created from the environment just applied); the dynamodb tasks
    // need the plain client, since the ASL's parameters are already in DynamoDB's attribute format.
    const sharedClients = (await import('../handlers/shared/clients'));
    const store = new S3ObjectStore(sharedClients.s3Client());
    const dynamodb = new DynamoDBClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: standIns.dynamodbEndpoint });
    const sns = sharedClients.snsClient();

    const invocations = new InvocationQueue(options.lambdaConcurrency ?? 1);
    const handlers = new Map<string, { name: string; handler: LambdaHandler; queue: InvocationQueue }>();
    const functionArns = Object.fromEntries(
      Object.entries(WORKFLOW_FUNCTIONS).map(([key, dir]) => [key, LOCAL_ARNS.lambda(dir)]),
    ) as Record<keyof typeof WORKFLOW_FUNCTIONS, string>;
    const subs: WorkflowSubstitutions = {
      ...functionArns,
      JobsTableName: LOCAL_NAMES.jobsTable,
      MediaConvertQueueArn: LOCAL_ARNS.mediaConvertQueue,
      MediaConvertRoleArn: LOCAL_ARNS.mediaConvertRole,
      NotificationTopicArn: LOCAL_ARNS.topic,
      WorkflowName: LOCAL_NAMES.workflow,
      TranscodeTimeoutSeconds: ENVIRONMENTS.dev.transcodeTimeoutSeconds,
      WorkflowTimeoutSeconds: workflowTimeoutSeconds(ENVIRONMENTS.dev),
    };
    for (const [key, dir] of Object.entries(WORKFLOW_FUNCTIONS)) {
      const arn = functionArns[key as keyof typeof WORKFLOW_FUNCTIONS];
      const mod = await HANDLER_MODULES[dir]();
      if (typeof mod.handler !== 'function') throw new Error(`handlers/${dir}/index.ts does not export a handler function`);
      const queue = SERIAL_FUNCTIONS.has(dir) && (options.lambdaConcurrency ?? 1) > 1 ? new InvocationQueue() : invocations;
      handlers.set(arn, { name: `${LOCAL_NAMES.workflow}-${dir}`, handler: mod.handler, queue });
    }
    const jobProgress = (await HANDLER_MODULES['job-progress']()).handler;

    const asl = renderWorkflowDefinition(subs);
    // Each Lambda Task state's own TimeoutSeconds, before lambdaTimeoutFromInvocationStart defers them.
    const lambdaTimeouts = new Map(taskStates(asl).filter((t) => handlers.has(t.resource)).map((t) => [t.name, t.timeoutSeconds ?? DEFAULT_TASK_TIMEOUT_SECONDS]));
    const definition = options.lambdaTimeoutFromInvocationStart
      ? {
          ...asl,
          States: Object.fromEntries(
            Object.entries(asl.States as Record<string, Record<string, unknown>>).map(([name, state]) => [name, lambdaTimeouts.has(name) ? { ...state, TimeoutSeconds: DEFERRED_TASK_TIMEOUT_SECONDS } : state]),
          ),
        }
      : asl;

    const { DynamoJobStore } = (await import('../handlers/shared/job-store'));
    const { startJob, startJobDepsFromEnv } = (await import('../handlers/shared/start-job'));
    // The same settings the cloud functions read (environment.ts sets them), except Step Functions.
    const jobStore = new DynamoJobStore(sharedClients.documentClient(), LOCAL_NAMES.jobsTable);
    const startDeps = { ...startJobDepsFromEnv(), store: jobStore };

    const byKey = new Map<string, FileState>();
    const fileOf = (execution: ExecutionInfo): FileState | undefined => byKey.get((execution.input as WorkflowInput).source?.key);

    const sendProgressEvent = async (jobId: string, mediaConvertJobId: string, detail: Record<string, unknown>, state?: FileState) => {
      if (!jobProgress) return;
      const event = localEvent('aws.mediaconvert', 'MediaConvert Job State Change', [`arn:aws:mediaconvert:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:jobs/${mediaConvertJobId}`], {
        timestamp: Date.now(),
        accountId: LOCAL_ACCOUNT_ID,
        queue: LOCAL_ARNS.mediaConvertQueue,
        jobId: mediaConvertJobId,
        userMetadata: { jobId, workflow: LOCAL_NAMES.workflow },
        ...detail,
      });
      try {
        const context = lambdaContext(`${LOCAL_NAMES.workflow}-job-progress`, LOCAL_ARNS.lambda('job-progress'), 30_000);
        await invocations.run(async () => await jobProgress(event, context));
      } catch (err) {
        state?.warnings.push(`job-progress failed on a ${String(detail.status)} event: ${(err as Error).name}: ${(err as Error).message}`);
      }
    };

    const transcodeTask = (task: TaskStateInfo, execution: ExecutionInfo): TaskOverride => async (params) => {
      const state = fileOf(execution);
      const request = params as CreateJobRequest;
      const jobId = request.UserMetadata?.jobId ?? execution.name;
      const updateEveryMs = statusUpdateIntervalMs(request.StatusUpdateInterval);
      let lastSent = 0;
      let pending: Promise<void> = Promise.resolve();
      try {
        const outcome = await (options.transcode ?? runLocalTranscode)(request, {
          store,
          workRoot: layout.work,
          region: LOCAL_REGION,
          signal: AbortSignal.any([
            AbortSignal.timeout((task.timeoutSeconds ?? ENVIRONMENTS.dev.transcodeTimeoutSeconds) * 1000),
            ...(options.signal ? [options.signal] : []),
          ]),
          onProgress: (p) => {
            if (state) emit({ type: 'transcode', file: state.file, phase: p.phase, percent: p.percent });
            const now = Date.now();
            if (p.phase === 'TRANSCODING' && now - lastSent >= updateEveryMs) {
              lastSent = now;
              pending = pending.then(() =>
                sendProgressEvent(jobId, p.mediaConvertJobId, { status: 'STATUS_UPDATE', framesDecoded: 0, jobProgress: { phaseProgress: {}, jobPercentComplete: p.percent, currentPhase: 'TRANSCODING', retryCount: 0 } }, state),
              );
            }
          },
        });
        await pending;
        if (state) {
          state.transcodeMs = outcome.ffmpegMs;
          state.ffmpegArgs = outcome.plan.args;
          state.measureMs = outcome.measureMs;
          if (outcome.measureArgs) state.measureArgs = outcome.measureArgs;
          state.warnings.push(...outcome.warnings);
        }
        return { Job: outcome.job };
      } catch (err) {
        await pending;
        if (err instanceof TranscodeFailed) {
          if (state) state.warnings.push(...err.warnings);
          await sendProgressEvent(jobId, err.job.Id, { status: 'ERROR', errorCode: err.job.ErrorCode, errorMessage: err.job.ErrorMessage }, state);
          // The .sync integration fails the Task with the failed job description as the Cause.
          throw new StatesError('States.TaskFailed', JSON.stringify(err.job));
        }
        throw err;
      }
    };

    const sfn = new LocalStepFunctions({
      definition,
      stateMachineArn: LOCAL_ARNS.stateMachine,
      ...(options.retryIntervalMs !== undefined ? { retryIntervalMs: options.retryIntervalMs } : {}),
      ...(options.validationCacheDir !== undefined ? { validationCacheDir: options.validationCacheDir } : {}),
      onStateEntered: (execution, stage) => {
        const state = fileOf(execution);
        if (state) emit({ type: 'stage', file: state.file, stage });
      },
      resolveTask: (resource, task, execution) => {
        const lambda = handlers.get(resource);
        if (lambda) {
          const timeoutMs = (lambdaTimeouts.get(task.name) ?? DEFAULT_TASK_TIMEOUT_SECONDS) * 1000;
          return lambdaTask(lambda.name, resource, lambda.handler, timeoutMs, lambda.queue, options.lambdaTimeoutFromInvocationStart === true);
        }
        const dynamo = /^arn:aws:states:::dynamodb:(\w+)$/.exec(resource);
        if (dynamo) return dynamoDbTask(dynamodb, dynamo[1]);
        if (resource === 'arn:aws:states:::sns:publish') return snsPublishTask(sns);
        if (resource === 'arn:aws:states:::mediaconvert:createJob.sync') return transcodeTask(task, execution);
        return () => Promise.reject(new StatesError('States.Runtime', `Task ${task.name}: resource ${resource} has no local implementation`));
      },
    });
    // The handlers' own Step Functions client (job-progress asks DescribeExecution before it
    // believes an execution-status event) answers from the local stand-in: there is no local
    // Step Functions endpoint, so the call is served in the client's middleware.
    serveSfnClientLocally(sharedClients.sfnClient(), sfn);

    // Fail at start, not mid-run, when the ASL names a resource the local run cannot serve.
    for (const task of taskStates(definition)) {
      const known =
        handlers.has(task.resource) ||
        /^arn:aws:states:::dynamodb:(updateItem|putItem|getItem|deleteItem)$/.test(task.resource) ||
        task.resource === 'arn:aws:states:::sns:publish' ||
        task.resource === 'arn:aws:states:::mediaconvert:createJob.sync';
      if (!known) throw new Error(`Task ${task.name}: resource ${task.resource} has no local implementation`);
    }

    const runFile = async (path: string, options: { readonly profile?: string } = {}): Promise<VideoResult> => {
      const started = Date.now();
      const file = path;
      const state: FileState = { file, warnings: [] };
      const finish = (result: Omit<VideoResult, 'file' | 'wallMs' | 'localWarnings'>): VideoResult => {
        const full: VideoResult = {
          file,
          ...result,
          wallMs: Date.now() - started,
          localWarnings: [...new Set(state.warnings)],
          ...(state.transcodeMs !== undefined ? { transcodeMs: state.transcodeMs } : {}),
          ...(state.ffmpegArgs !== undefined ? { ffmpegArgs: state.ffmpegArgs } : {}),
          ...(state.measureMs !== undefined ? { measureMs: state.measureMs } : {}),
          ...(state.measureArgs !== undefined ? { measureArgs: state.measureArgs } : {}),
        };
        emit({ type: 'finished', file, result: full });
        return full;
      };
      const noOutputs: LocalOutputs = { mp4: [], thumbnails: [] };
      try {
        try {
          await stat(path);
        } catch {
          return finish({ status: 'FAILED', error: { name: 'FileNotFound', cause: `No such file: ${path}` }, outputs: noOutputs, outputCount: 0 });
        }
        // A fresh prefix per run: the job id is derived from (bucket, key, etag), so the same file
        // run twice would otherwise be the same job, and the second run would only report the first.
        const key = `${LOCAL_NAMES.sourceKeyPrefix}${randomBytes(4).toString('hex')}/${basename(path)}`;
        byKey.set(key, state);
        await store.upload(path, { bucket: LOCAL_NAMES.sourceBucket, key }, 'application/octet-stream');
        emit({ type: 'uploaded', file, key });

        let jobId: string;
        let executionArn: string | undefined;
        try {
          const started = await startJob(
            {
              bucket: LOCAL_NAMES.sourceBucket,
              keyCandidates: [key],
              trigger: 'api',
              owner: LOCAL_OWNER,
              requestId: `local-${randomBytes(4).toString('hex')}`,
              ...(options.profile !== undefined ? { profile: options.profile } : {}),
            },
            { ...startDeps, sfn: sfn },
          );
          jobId = started.job.jobId;
          executionArn = started.job.executionArn;
        } catch (err) {
          // Rejected before a job exists (bad key, empty object): the API would answer 4xx with this error.
          const e = err as Error;
          return finish({ status: 'FAILED', error: { name: e.name, cause: e.message }, outputs: noOutputs, outputCount: 0 });
        }
        state.jobId = jobId;
        emit({ type: 'started', file, jobId });
        const startedAt = new Date(started).toISOString();
        await writeJournalEntry(stateDir, { jobId, file, status: 'PROCESSING', startedAt, path: [], localWarnings: [] });

        const outcome = executionArn ? await sfn.wait(executionArn) : undefined;
        const record = await jobStore.get(jobId);
        const outputs = record?.outputs ? await copyOutputs(store, record.outputs, join(outDir, jobId)) : noOutputs;
        const status = record?.status ?? 'FAILED';
        const error =
          record?.error ??
          (status === 'COMPLETED' || outcome?.status === 'SUCCEEDED'
            ? undefined
            : { name: outcome?.error ?? 'Unknown', cause: outcome?.cause ?? 'the execution ended without a job record' });
        const failedState = status === 'FAILED' && outcome ? failedStateOf(outcome.path) : undefined;
        await writeJournalEntry(stateDir, {
          jobId,
          file,
          status,
          startedAt,
          finishedAt: new Date().toISOString(),
          wallMs: Date.now() - started,
          ...(error ? { error: { name: error.name, cause: error.cause } } : {}),
          ...(failedState ? { failedState } : {}),
          path: outcome?.path ?? [],
          ...fromExecutionState(outcome?.lastState),
          ...(state.transcodeMs !== undefined ? { transcodeMs: state.transcodeMs } : {}),
          localWarnings: [...new Set(state.warnings)],
          ...(record ? { record } : {}),
        });
        return finish({
          jobId,
          status,
          ...(error ? { error: { name: error.name, cause: error.cause } } : {}),
          ...(record?.metadata ? { durationSeconds: record.metadata.durationSeconds } : {}),
          outputs,
          ...(record?.outputs ? { s3Outputs: record.outputs } : {}),
          outputCount: outputs.mp4.length + (outputs.hls ? 1 : 0) + outputs.thumbnails.length,
          ...(outcome ? { executionStatus: outcome.status } : {}),
          ...(record ? { record } : {}),
        });
      } catch (err) {
        // A local failure (s3rver, dynalite, a copy) ends this video only; the others go on.
        const e = err instanceof Error ? err : new Error(String(err));
        if (state.jobId) {
          await writeJournalEntry(stateDir, {
            jobId: state.jobId,
            file,
            status: 'FAILED',
            startedAt: new Date(started).toISOString(),
            finishedAt: new Date().toISOString(),
            wallMs: Date.now() - started,
            error: { name: e.name, cause: e.message },
            path: [],
            localWarnings: [...new Set(state.warnings)],
          }).catch(() => undefined);
        }
        return finish({ ...(state.jobId ? { jobId: state.jobId } : {}), status: 'FAILED', error: { name: e.name, cause: e.message }, outputs: noOutputs, outputCount: 0 });
      }
    };

    return {
      standIns,
      runFile,
      internals: {
        sfn,
        startDeps,
        jobStore,
        objects: store,
        dynamodb,
        sendProgressEvent: (jobId, mediaConvertJobId, detail) => sendProgressEvent(jobId, mediaConvertJobId, detail),
        invokeJobProgress: async (event) => {
          if (!jobProgress) throw new Error('handlers/job-progress/index.ts is missing');
          const context = lambdaContext(`${LOCAL_NAMES.workflow}-job-progress`, LOCAL_ARNS.lambda('job-progress'), 30_000);
          return invocations.run(() => Promise.resolve(jobProgress(event, context)));
        },
      },
      close: async () => {
        // The handlers' shared S3 and SNS clients live as long as the process.
        dynamodb.destroy();
        await standIns.stop();
      },
    };
  } catch (err) {
    await standIns.stop();
    throw err;
  }
}

/**
 * Copies a job's outputs out of the local S3 into `dir`, keeping their layout under the job
 * prefix. For HLS the whole playlist folder comes along (renditions and segments), so the
 * local master manifest plays.
 */
async function copyOutputs(store: S3ObjectStore, outputs: NonNullable<JobRecord['outputs']>, dir: string): Promise<LocalOutputs> {
  const localPathOf = (uri: string) => {
    const { key } = parseS3Uri(uri);
    const rel = key.split('/').slice(1).join('/') || key; // drop the `<jobId>/` prefix
    return join(dir, rel);
  };
  const copy = async (uri: string) => {
    const path = localPathOf(uri);
    await store.download(parseS3Uri(uri), path);
    return path;
  };
  const copyHls = async (uri: string) => {
    const master = parseS3Uri(uri);
    const folder = master.key.slice(0, master.key.lastIndexOf('/') + 1);
    const keys = await store.list(master.bucket, folder);
    await mapBounded(keys, 8, (key) => copy(`s3://${master.bucket}/${key}`));
    return localPathOf(uri);
  };
  // The groups' copies overlap (each is a few GETs from s3rver, mostly waiting on it).
  const [mp4, thumbnails, hls] = await Promise.all([
    Promise.all(outputs.mp4.map(copy)),
    Promise.all(outputs.thumbnails.map(copy)),
    outputs.hls !== undefined ? copyHls(outputs.hls) : undefined,
  ]);
  // A CMAF group's DASH manifest sits in the same folder as its HLS master (copied above).
  const dash = outputs.dash !== undefined && outputs.hls !== undefined ? localPathOf(outputs.dash) : undefined;
  return { mp4, ...(hls ? { hls } : {}), ...(dash ? { dash } : {}), thumbnails };
}

/** StartExecution and DescribeExecution on an SDK SFNClient go to `local` instead of the network. */
function serveSfnClientLocally(client: SFNClient, local: LocalStepFunctions): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command =
        context.commandName === 'StartExecutionCommand'
          ? new StartExecutionCommand(args.input as StartExecutionCommandInput)
          : context.commandName === 'DescribeExecutionCommand'
            ? new DescribeExecutionCommand(args.input as DescribeExecutionCommandInput)
            : undefined;
      if (command === undefined) return next(args);
      return { output: { $metadata: {}, ...((await local.send(command)) as object) }, response: {} };
    },
    { step: 'initialize', name: 'localStepFunctions' },
  );
}
