import { createHash, randomUUID } from 'node:crypto';
import { HeadObjectCommand, HeadObjectCommandOutput, S3Client } from '@aws-sdk/client-s3';
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { documentClient, s3Client, sfnClient } from './clients';
import { intEnv, listEnv, requireEnv } from './config';
import { chooseProfile, OPEN_PROFILE_POLICY, profilePolicyFromEnv, type ProfilePolicy } from '../plan-transcode/profiles/choice';
import { ConfigurationError, InvalidSourceKey, JobAlreadyRunning, ObjectNotFound, UnsupportedMedia } from './errors';
import { JobRecord, JobStatus, JobTrigger, SourceRef, UserMetadata, WorkflowInput } from './job';
import { DynamoJobStore, JobStore, WriteGuard } from './job-store';
import { DynamoLimits, JobLimits } from './limits';
import { LogSink, silentLog } from './logger';
import { isUploadKey, ownerOfKey } from './owner';
import { isS3NotFound } from './s3-errors';
import { validateSourceKey } from './s3-key';
import { fromObjectMetadata } from './user-metadata';

export interface StartJobDeps {
  store: JobStore;
  s3: Pick<S3Client, 'send'>;
  sfn: Pick<SFNClient, 'send'>;
  stateMachineArn: string;
  /** Lower-case extensions without the dot. */
  allowedExtensions: string[];
  /** Required key prefix; '' accepts any key. */
  keyPrefix: string;
  jobTtlDays: number;
  /** Default and allowed encoding profiles. @default every shipped profile, `standard` by default */
  profiles?: ProfilePolicy;
  /**
   * Upload reservations, the per-owner daily quota and the one-run-per-version lock. Every
   * deployed function has them (LIMITS_TABLE_NAME, UPLOADS_TABLE_NAME, MAX_JOBS_PER_OWNER_PER_DAY);
   * the local run has none (dynalite has no transactions).
   */
  limits?: JobLimits;
  now?: () => Date;
  log?: LogSink;
}

/**
 * The start wiring both entry points share (create-job for the API, start-workflow for S3
 * events), read from the environment the stack sets: JOBS_TABLE_NAME, STATE_MACHINE_ARN,
 * ALLOWED_EXTENSIONS (non-empty), SOURCE_KEY_PREFIX (optional) and JOB_TTL_DAYS (an integer,
 * at least 1). A missing or invalid variable is a ConfigurationError naming it.
 */
/** The record's DynamoDB TTL (`expiresAt`, epoch seconds) for a job created at `now`. */
export function expiresAtFor(now: Date, ttlDays: number): number {
  return Math.floor(now.getTime() / 1000) + ttlDays * 86_400;
}

export function startJobDepsFromEnv(env: NodeJS.ProcessEnv = process.env): StartJobDeps {
  const allowedExtensions = listEnv('ALLOWED_EXTENSIONS', env);
  if (allowedExtensions.length === 0) {
    throw new ConfigurationError('Environment variable ALLOWED_EXTENSIONS is not set', { context: { variable: 'ALLOWED_EXTENSIONS' } });
  }
  requireEnv('JOB_TTL_DAYS', env);
  const limits = limitsFromEnv(env);
  const jobTtlDays = intEnv('JOB_TTL_DAYS', 0, env);
  if (jobTtlDays < 1) {
    throw new ConfigurationError('Environment variable JOB_TTL_DAYS must be at least 1', { context: { variable: 'JOB_TTL_DAYS' } });
  }
  return {
    store: new DynamoJobStore(documentClient(), requireEnv('JOBS_TABLE_NAME', env)),
    s3: s3Client(),
    sfn: sfnClient(),
    stateMachineArn: requireEnv('STATE_MACHINE_ARN', env),
    allowedExtensions,
    keyPrefix: env.SOURCE_KEY_PREFIX ?? '',
    jobTtlDays,
    profiles: profilePolicyFromEnv(env),
    ...(limits === undefined ? {} : { limits }),
  };
}

/**
 * LIMITS_TABLE_NAME switches the limits on; UPLOADS_TABLE_NAME and MAX_JOBS_PER_OWNER_PER_DAY
 * are then required (a missing one is a deployment error naming it). Without it: no limits (the
 * local run; create-upload alone also reads UPLOADS_TABLE_NAME).
 */
function limitsFromEnv(env: NodeJS.ProcessEnv): JobLimits | undefined {
  if ((env.LIMITS_TABLE_NAME ?? '') === '') return undefined;
  for (const variable of ['UPLOADS_TABLE_NAME', 'MAX_JOBS_PER_OWNER_PER_DAY']) {
    if ((env[variable] ?? '') === '') throw new ConfigurationError(`Environment variable ${variable} is not set`, { context: { variable } });
  }
  const max = intEnv('MAX_JOBS_PER_OWNER_PER_DAY', 0, env);
  if (max < 1) {
    throw new ConfigurationError('Environment variable MAX_JOBS_PER_OWNER_PER_DAY must be at least 1', { context: { variable: 'MAX_JOBS_PER_OWNER_PER_DAY' } });
  }
  return new DynamoLimits(documentClient(), {
    limitsTable: requireEnv('LIMITS_TABLE_NAME', env),
    uploadsTable: requireEnv('UPLOADS_TABLE_NAME', env),
    maxJobsPerOwnerPerDay: max,
  });
}

export interface StartJobRequest {
  bucket: string;
  /** Keys the request may refer to, tried in order (see s3-key.ts `keyCandidates`); usually one. */
  keyCandidates: string[];
  versionId?: string;
  /** ETag from the S3 event (quoted or not); picks the candidate whose object matches. */
  expectedEtag?: string;
  trigger: JobTrigger;
  /** Start a new job even when this object version already has one (a fresh job id). Admins only (create-job checks). */
  force?: boolean;
  /** The requested encoding profile; absent: the object's `x-amz-meta-profile`, else the deployment default. */
  profile?: string;
  /** The caller's pairs; absent: the object's `x-amz-meta-job-*` pairs. */
  userMetadata?: UserMetadata;
  /** Owner of the job; default ownerOfKey(key) (the uploader of an upload key, else `system`). */
  owner?: string;
  /** Normalised principal of an API caller, kept on the record for audit. */
  requestedBy?: string;
  requestId?: string;
}

export interface StartJobResult {
  created: boolean;
  job: JobRecord;
}

/**
 * Deterministic job id of one object version: 32 lowercase hex of sha256 (JOB_ID_PATTERN),
 * valid as an execution name, so a duplicate event or request maps to the same execution.
 */
export function jobIdFor(bucket: string, key: string, versionOrEtag: string, forceNonce?: string): string {
  const parts = forceNonce === undefined ? [bucket, key, versionOrEtag] : [bucket, key, versionOrEtag, forceNonce];
  // JSON keeps the parts unambiguous whatever characters the key contains.
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32);
}

/** ETags arrive quoted from HeadObject and unquoted in events. */
export function normalizeEtag(etag: string): string {
  return etag.replace(/^"|"$/g, '');
}

/** Execution ARN for a named execution of a state machine (the documented ARN format). */
export function executionArnFor(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

interface ResolvedObject {
  readonly key: string;
  readonly head: HeadObjectCommandOutput;
}

/**
 * HeadObject over the candidates; keeps the first that exists and matches the expected ETag.
 * Errors other than 404 (throttling, 5xx, access denied) propagate: they are not "not found".
 */
async function resolveObject(req: StartJobRequest, keys: string[], deps: StartJobDeps): Promise<ResolvedObject> {
  const expected = req.expectedEtag === undefined ? undefined : normalizeEtag(req.expectedEtag);
  let mismatched: string | undefined;
  for (const key of keys) {
    let head: HeadObjectCommandOutput;
    try {
      head = await deps.s3.send(new HeadObjectCommand({ Bucket: req.bucket, Key: key, VersionId: req.versionId }));
    } catch (err) {
      if (isS3NotFound(err)) continue;
      // S3 answers a version id it never issued with 400 (InvalidArgument): no such version.
      if (req.versionId !== undefined && (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode === 400) continue;
      throw err;
    }
    if (expected !== undefined && normalizeEtag(head.ETag ?? '') !== expected) {
      mismatched ??= normalizeEtag(head.ETag ?? '');
      continue;
    }
    return { key, head };
  }
  // An ETag mismatch means the object was overwritten since the event: the content the event
  // announced is gone (the overwrite has its own event), so it is "not found" too.
  throw new ObjectNotFound(
    mismatched === undefined ? 'Source object does not exist' : 'Source object was replaced since the event',
    { context: { bucket: req.bucket, key: keys[0], versionId: req.versionId, expectedEtag: expected, foundEtag: mismatched } },
  );
}

function workflowInputOf(job: JobRecord): WorkflowInput {
  return {
    jobId: job.jobId,
    source: job.source,
    trigger: job.trigger,
    createdAt: job.createdAt,
    // Records written before profiles existed ran the standard outputs.
    profile: job.profile ?? OPEN_PROFILE_POLICY.defaultProfile,
    userMetadata: job.userMetadata ?? {},
  };
}

async function startExecution(job: JobRecord, deps: StartJobDeps, log: LogSink): Promise<string> {
  try {
    const out = await deps.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: deps.stateMachineArn,
        name: job.jobId,
        input: JSON.stringify(workflowInputOf(job)),
      }),
    );
    return out.executionArn ?? executionArnFor(deps.stateMachineArn, job.jobId);
  } catch (err) {
    // A concurrent request (or an earlier attempt) started it: the name makes the start idempotent.
    if (err instanceof ExecutionAlreadyExists || (err as { name?: string })?.name === 'ExecutionAlreadyExists') {
      log.info('Execution already exists', { jobId: job.jobId });
      return executionArnFor(deps.stateMachineArn, job.jobId);
    }
    throw err;
  }
}

/**
 * The one start logic (S3 events and the HTTP API): validate, pin the object version,
 * conditionally create the QUEUED record, start the execution named after the job id.
 * A duplicate returns the existing job without starting anything, except a record left QUEUED
 * without an execution (a previous attempt died between the put and StartExecution).
 */
export async function startJob(req: StartJobRequest, deps: StartJobDeps): Promise<StartJobResult> {
  const log = deps.log ?? silentLog;
  const now = (deps.now ?? (() => new Date()))();
  const rules = { allowedExtensions: deps.allowedExtensions, prefix: deps.keyPrefix };

  const candidates = [...new Set(req.keyCandidates)];
  if (candidates.length === 0) throw new InvalidSourceKey('Invalid source key: the key is empty', { context: { key: '' } });
  const valid: string[] = [];
  let firstRejection: unknown;
  for (const key of candidates) {
    try {
      validateSourceKey(key, rules);
      valid.push(key);
    } catch (err) {
      firstRejection ??= err;
    }
  }
  if (valid.length === 0) throw firstRejection;

  const { key, head } = await resolveObject(req, valid, deps);
  const size = head.ContentLength ?? 0;
  if (size === 0) {
    throw new UnsupportedMedia('Source object is empty (0 bytes)', { context: { bucket: req.bucket, key } });
  }
  // A request's own choice wins; an upload carries its choice as object metadata (POST /uploads, direct uploads).
  const objectMetadata = head.Metadata ?? {};
  const profile =
    req.profile !== undefined
      ? chooseProfile(req.profile, deps.profiles ?? OPEN_PROFILE_POLICY, 'profile')
      : chooseProfile(objectMetadata.profile, deps.profiles ?? OPEN_PROFILE_POLICY, 'x-amz-meta-profile');
  const userMetadata = req.userMetadata ?? fromObjectMetadata(objectMetadata);
  const etag = normalizeEtag(head.ETag ?? req.expectedEtag ?? '');
  // Pin the version HeadObject saw (API requests name no version), so S3 events and API calls agree.
  const versionId = req.versionId ?? (head.VersionId && head.VersionId !== 'null' ? head.VersionId : undefined);
  const version = versionId ?? etag;
  const baseJobId = jobIdFor(req.bucket, key, version);
  const jobId = req.force ? jobIdFor(req.bucket, key, version, randomUUID()) : baseJobId;
  const owner = req.owner ?? ownerOfKey(key);

  const source: SourceRef = { bucket: req.bucket, key, etag, size, ...(versionId ? { versionId } : {}) };
  const createdAt = now.toISOString();
  const record: JobRecord = {
    jobId,
    status: 'QUEUED',
    trigger: req.trigger,
    owner,
    ...(req.requestedBy === undefined ? {} : { requestedBy: req.requestedBy }),
    source,
    profile,
    ...(Object.keys(userMetadata).length > 0 ? { userMetadata } : {}),
    createdAt,
    updatedAt: createdAt,
    expiresAt: expiresAtFor(now, deps.jobTtlDays),
  };

  let created: Awaited<ReturnType<JobStore['create']>>;
  if (deps.limits === undefined) {
    created = await deps.store.create(record);
  } else {
    // A duplicate (same version, no force) answers with its job before any limit is consulted.
    const existing = req.force ? undefined : await deps.store.get(jobId);
    created = existing
      ? { created: false, job: existing }
      : await deps.store.create(record, await limitGuards(record, baseJobId, version, deps.limits, deps, now));
  }
  let job = created.job;
  if (!created.created) {
    if (job.status !== 'QUEUED' || job.executionArn !== undefined) {
      log.info('Job already exists', { jobId, status: job.status, requestId: req.requestId });
      return { created: false, job };
    }
    log.warn('Job queued without execution, starting it', { jobId, requestId: req.requestId });
  }

  // Built from the stored record, so a recovery or a racing duplicate sends the identical input.
  const executionArn = await startExecution(job, deps, log);
  await deps.store.setExecutionArn(jobId, executionArn);
  job = { ...job, executionArn };
  log.info('Job started', { jobId, executionArn, trigger: req.trigger, requestId: req.requestId });
  return { created: created.created, job };
}

const RUNNING: readonly JobStatus[] = ['QUEUED', 'PROCESSING'];

/**
 * Checked before the job exists, in this order: the upload reservation (a re-used form never
 * runs), the run lock (a forced re-run waits for the running one), then the guards that commit
 * with the job's put: the owner's daily counter and the lock. Nothing reaches StartExecution
 * unless all hold.
 */
async function limitGuards(record: JobRecord, baseJobId: string, version: string, limits: JobLimits, deps: StartJobDeps, now: Date): Promise<WriteGuard[]> {
  const owner = record.owner as string;
  const key = record.source.key;
  if (isUploadKey(key)) {
    await limits.consumeUpload({ key, version, owner, now, keepUntil: expiresAtFor(now, deps.jobTtlDays), jobId: baseJobId });
  }
  const active = await limits.activeRun(baseJobId);
  if (active !== undefined && active !== record.jobId) {
    const running = await deps.store.get(active);
    if (running !== undefined && RUNNING.includes(running.status)) {
      throw new JobAlreadyRunning(`A job of this object version is still ${running.status}; retry once it has finished`, {
        context: { baseJobId, activeJobId: active, status: running.status },
      });
    }
  }
  return [
    limits.quotaGuard(owner, now, jobIdFor(record.source.bucket, key, version, `QuotaExceeded:${now.toISOString().slice(0, 10)}`)),
    limits.runGuard(baseJobId, record.jobId, active, record.expiresAt ?? expiresAtFor(now, deps.jobTtlDays)),
  ];
}
