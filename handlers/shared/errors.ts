/**
 * One base error for the pipeline. Subclasses set `name` to a stable string that the
 * state machine's Retry/Catch (`ErrorEquals`) and the job record's `error.name` use, so
 * renaming a class is a breaking change for `asl/` and for API consumers.
 *
 * Lambda reports a thrown error to Step Functions as `{ errorType: err.name, errorMessage }`;
 * handlers therefore always throw, never return an error payload.
 */
export abstract class WorkflowError extends Error {
  abstract readonly name: string;
  /** Small, non-sensitive facts that explain the error (logged and kept in the cause). */
  readonly context: Record<string, unknown>;

  constructor(message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.context = options.context ?? {};
  }
}

/** The object is not media we can transcode: not a video, no video track, zero bytes, truncated. */
export class UnsupportedMedia extends WorkflowError {
  readonly name = 'UnsupportedMedia';
}

/** The source object does not exist (deleted between event and processing, or a wrong key). */
export class ObjectNotFound extends WorkflowError {
  readonly name = 'ObjectNotFound';
}

/** The key is outside the allowed prefix, has a disallowed extension, or is malformed. */
export class InvalidSourceKey extends WorkflowError {
  readonly name = 'InvalidSourceKey';
}

/** An event or message that cannot be parsed into a start request. */
export class MalformedEvent extends WorkflowError {
  readonly name = 'MalformedEvent';
}

/** The transcoded outputs failed one or more quality checks. */
export class QualityCheckFailed extends WorkflowError {
  readonly name = 'QualityCheckFailed';
}

/** A status change that the job's current status does not allow (e.g. COMPLETED -> PROCESSING). */
export class JobStateConflict extends WorkflowError {
  readonly name = 'JobStateConflict';
}

/** The job id is not in the table. */
export class JobNotFound extends WorkflowError {
  readonly name = 'JobNotFound';
}

/** A required environment variable is missing or invalid (a deployment error, never retried). */
export class ConfigurationError extends WorkflowError {
  readonly name = 'ConfigurationError';
}

/** Copying the probed source version to its job-scoped pinned key failed (PinSource). */
export class SourcePinFailed extends WorkflowError {
  readonly name = 'SourcePinFailed';
}

/** Copying the source to the archive bucket failed. */
export class ArchiveFailed extends WorkflowError {
  readonly name = 'ArchiveFailed';
}

/** An HTTP API request that fails validation (body, path or query); `context.field` names the offending field. */
export class InvalidRequest extends WorkflowError {
  readonly name = 'InvalidRequest';
}

/** An HTTP API request body larger than the route accepts; `context.limitBytes` says how large it may be. */
export class PayloadTooLarge extends WorkflowError {
  readonly name = 'PayloadTooLarge';
}

/** A requested upload larger than MAX_UPLOAD_BYTES; `context.limitBytes` says how large it may be. */
export class UploadTooLarge extends WorkflowError {
  readonly name = 'UploadTooLarge';
}

/**
 * Signed playback is configured but URLs cannot be signed (key unreadable or invalid): get-job
 * fails closed (500) instead of returning URLs CloudFront would refuse, or unsigned ones.
 */
export class PlaybackSigningFailed extends WorkflowError {
  readonly name = 'PlaybackSigningFailed';
}

/**
 * PutEvents failed (throttled, or the entry was refused) for a job event. Transient, unlike our
 * other errors: Publish and RecordFailure retry it (asl), job-progress through EventBridge's retries.
 */
export class EventDeliveryFailed extends WorkflowError {
  readonly name = 'EventDeliveryFailed';
}

/** The caller may not do this (e.g. `force` without the admin scope); the message says what is missing. */
export class Forbidden extends WorkflowError {
  readonly name = 'Forbidden';
}

/**
 * The owner has started `max_jobs_per_owner_per_day` jobs today (UTC); `context.retryAfterSeconds`
 * says when the counter resets. Nothing was started and no MediaConvert time was spent.
 */
export class QuotaExceeded extends WorkflowError {
  readonly name = 'QuotaExceeded';
}

/**
 * A second object version arrived at an upload key whose reservation another version already
 * consumed (the presigned form was re-used): it never starts a job.
 */
export class UploadAlreadyUsed extends WorkflowError {
  readonly name = 'UploadAlreadyUsed';
}

/** A job of the same object version is still QUEUED or PROCESSING; a forced re-run waits for it to end. */
export class JobAlreadyRunning extends WorkflowError {
  readonly name = 'JobAlreadyRunning';
}

/** The name of a thrown value for logs and records: `err.name` for an Error, else 'UnknownError'. */
export function errorName(err: unknown): string {
  return err instanceof Error ? err.name : 'UnknownError';
}

/** A profile name that is not one of the shipped profiles (handlers/plan-transcode/profiles). */
export class UnknownProfile extends WorkflowError {
  readonly name = 'UnknownProfile';
}

/** A shipped profile that this deployment's `allowed_profiles` does not allow. */
export class ProfileNotAllowed extends WorkflowError {
  readonly name = 'ProfileNotAllowed';
}

/** The job's metadata pairs (`x-amz-meta-job-*` on a direct upload) break the documented bounds. */
export class InvalidJobMetadata extends WorkflowError {
  readonly name = 'InvalidJobMetadata';
}
