import { JobError, MediaConvertErrorInfo, type QcErrorName } from '../shared/job';

export const MAX_CAUSE_CHARS = 2_000;
/** `error.name` of a MediaConvert job that ended in status ERROR (a .sync Transcode failure). */
export const MEDIACONVERT_JOB_FAILED = 'MediaConvertJobFailed';

/** The names quality-control gives a failed run (QcErrorName); their Cause is the JSON array of failed checks. */
const QC_ERROR_NAMES: ReadonlySet<string> = new Set<QcErrorName>(['QualityCheckFailed', 'QualityMetricsMissing', 'QualityBelowThreshold']);

/** What a Catch (or the QualityCheckFailed Pass state) puts in `$.error`. */
export interface StatesError {
  readonly Error?: string;
  readonly Cause?: unknown;
}

export interface NormalisedError extends JobError {
  readonly mediaConvertError?: MediaConvertErrorInfo;
}

/** Cuts a cause to MAX_CAUSE_CHARS (an ellipsis marks the cut); every recorded or notified cause goes through it. */
export function truncateCause(text: string): string {
  return text.length <= MAX_CAUSE_CHARS ? text : `${text.slice(0, MAX_CAUSE_CHARS - 1)}…`;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The MediaConvert Job in a .sync failure cause: the Job itself or wrapped as `{ Job }`. */
function mediaConvertJobOf(parsed: unknown): Record<string, unknown> | undefined {
  const job = isRecord(parsed) && isRecord(parsed.Job) ? parsed.Job : parsed;
  if (!isRecord(job)) return undefined;
  const code = Number(job.ErrorCode);
  return job.ErrorCode !== undefined && Number.isFinite(code) && typeof job.ErrorMessage === 'string' ? job : undefined;
}

/**
 * Turns the shapes Step Functions hands the failure path into one {name, cause}:
 * - Lambda errors: Cause is JSON {errorType, errorMessage, trace} -> errorType / errorMessage (never the trace);
 * - MediaConvert .sync job failures: Cause is the Job JSON (ErrorCode, ErrorMessage, Id, Status ERROR)
 *   -> MediaConvertJobFailed, "MediaConvert error <code>: <message>", plus mediaConvertError;
 * - QualityCheckFailed / QualityMetricsMissing / QualityBelowThreshold: Cause is the JSON array of failed checks -> the failures joined;
 * - anything else (States.Timeout, MediaConvert.<Exception> API errors, ...) keeps Error and Cause.
 * Causes are cut to MAX_CAUSE_CHARS.
 */
export function normaliseError(error: StatesError): NormalisedError {
  const name = typeof error.Error === 'string' && error.Error !== '' ? error.Error : 'UnknownError';
  const rawCause = error.Cause === undefined ? '' : typeof error.Cause === 'string' ? error.Cause : JSON.stringify(error.Cause);
  const parsed = parseJson(rawCause);

  if (isRecord(parsed) && typeof parsed.errorType === 'string') {
    return { name: parsed.errorType, cause: truncateCause(typeof parsed.errorMessage === 'string' ? parsed.errorMessage : '') };
  }
  const job = mediaConvertJobOf(parsed);
  if (job) {
    const code = Number(job.ErrorCode);
    const message = job.ErrorMessage as string;
    return {
      name: MEDIACONVERT_JOB_FAILED,
      cause: truncateCause(`MediaConvert error ${code}: ${message}`),
      mediaConvertError: { code, message: truncateCause(message), ...(typeof job.Id === 'string' ? { mediaConvertJobId: job.Id } : {}) },
    };
  }
  if (QC_ERROR_NAMES.has(name) && Array.isArray(parsed) && parsed.every((f) => typeof f === 'string')) {
    return { name, cause: truncateCause(parsed.length > 0 ? parsed.join('; ') : 'quality control failed') };
  }
  return { name, cause: truncateCause(rawCause) };
}
