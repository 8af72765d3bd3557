/**
 * The reliability catalogs: every bad input and every injected fault the pipeline is tested
 * against, as data. `bad-inputs.test.ts` and `fault-injection.test.ts` run one test per row
 * (and fail when a row has no runner or a runner has no row), `scripts/security-report.ts`
 * counts the rows and SECURITY.md lists them. This file imports nothing, so the report can
 * load it without pulling in the handlers.
 */

/**
 * Where an outcome is recorded. "Zero events that end nowhere": every case ends in one of these,
 * and its test checks that exact sink.
 * - `http-4xx`: the API answered 4xx with `{ error: { code, field? } }`;
 * - `failed-record`: the job record is FAILED with `error.name` (written by start-workflow or by
 *   the state machine's RecordFailure / job-progress);
 * - `batch-item-failure`: start-workflow reported the SQS message in `batchItemFailures`, so SQS
 *   redelivers it and moves it to the DLQ after the queue's maxReceiveCount;
 * - `ignored-logged`: the handler returned `{ ignored: true, reason }` and logged why, writing nothing;
 * - `processed`: not an error; the job was started (QUEUED + execution) or COMPLETED, or the API answered 2xx.
 */
export type Sink = 'http-4xx' | 'failed-record' | 'batch-item-failure' | 'ignored-logged' | 'processed';

export const SINK_LABELS: Readonly<Record<Sink, string>> = {
  'http-4xx': 'HTTP 4xx with error code',
  'failed-record': 'FAILED job record with error name',
  'batch-item-failure': 'SQS batchItemFailures (redelivered, then DLQ after maxReceiveCount)',
  'ignored-logged': 'ignored and logged (nothing written)',
  processed: 'processed (not an error)',
};

export type Entry = 'S3 event' | 'HTTP API' | 'workflow' | 'EventBridge';

export interface BadInputCase {
  /** Stable id; the test runner for the row is keyed by it. */
  readonly id: string;
  readonly entry: Entry;
  /** The bad input, in words. */
  readonly input: string;
  /** The named error (errors.ts `name`, or the API error code) or `none` when it is not an error. */
  readonly expectedError: string;
  readonly recordedIn: Sink;
  /** What else the test proves (HTTP status, what did not happen, ...). */
  readonly detail: string;
  /** The attack finding the row reproduces (issue 14 "Spend guardrails and hardening"), when it is one. */
  readonly finding?: Finding;
}

/** The findings of the attacker's review (issue 14), each reproduced by catalog rows with the real handlers. */
export type Finding = 'unbounded-spend' | 'version-pin' | 'forged-events' | 'smaller-hardening';

export const BAD_INPUTS: readonly BadInputCase[] = [
  // --- S3 path: start-workflow (SQS) and, where the object is started, the workflow with the real handlers
  { id: 's3-text-as-mp4', entry: 'S3 event', input: 'text file named .mp4 (not-media.mp4)', expectedError: 'UnsupportedMedia', recordedIn: 'failed-record', detail: 'started, then ExtractMetadata (mediainfo.js over ranged GETs) rejects it; RecordFailure writes FAILED, failure notification sent' },
  { id: 's3-zero-bytes', entry: 'S3 event', input: 'zero-byte upload (empty.mp4)', expectedError: 'UnsupportedMedia', recordedIn: 'failed-record', detail: 'rejected by start-workflow before any execution: no StartExecution, message acknowledged' },
  { id: 's3-truncated-head', entry: 'S3 event', input: 'truncated MP4, first half only (no moov)', expectedError: 'UnsupportedMedia', recordedIn: 'failed-record', detail: 'ExtractMetadata reason "truncated"; not retried' },
  { id: 's3-truncated-tail', entry: 'S3 event', input: 'truncated MP4, last half only (no ftyp)', expectedError: 'UnsupportedMedia', recordedIn: 'failed-record', detail: 'ExtractMetadata reason "not a recognised media container"' },
  { id: 's3-audio-only', entry: 'S3 event', input: 'audio-only file named .mp4 (audio-only.m4a bytes)', expectedError: 'UnsupportedMedia', recordedIn: 'failed-record', detail: 'ExtractMetadata reason "audio-only"' },
  { id: 's3-video-without-audio', entry: 'S3 event', input: 'portrait video without audio (portrait-no-audio.mp4)', expectedError: 'none', recordedIn: 'processed', detail: 'COMPLETED; the plan has no AudioDescriptions in any output and portrait rungs (width < height)' },
  { id: 's3-8k-source', entry: 'S3 event', input: '8K source, 7680x4320 (reliability/media/8k-0.4s.mp4)', expectedError: 'none', recordedIn: 'processed', detail: 'COMPLETED; ladder capped at 1920x1080, never upscaled past the 1080 rung' },
  { id: 's3-rotated-portrait', entry: 'S3 event', input: 'stored 320x180 with a 90 degree rotation (rotated-90.mp4)', expectedError: 'none', recordedIn: 'processed', detail: 'COMPLETED; display 180x320, portrait rungs, no rung larger than the source' },
  { id: 's3-half-second-clip', entry: 'S3 event', input: '0.5 s clip (short-0.5s.mp4)', expectedError: 'none', recordedIn: 'processed', detail: 'COMPLETED; thumbnailCount >= 1' },
  { id: 's3-too-long', entry: 'S3 event', input: '120 s source with MAX_DURATION_SECONDS=60 (long-120s.mp4)', expectedError: 'UnsupportedMedia', recordedIn: 'failed-record', detail: 'PlanTranscode rejects it; nothing sent to MediaConvert', finding: 'unbounded-spend' },
  { id: 's3-key-spaces', entry: 'S3 event', input: 'key with spaces, form-encoded as "+" in the event', expectedError: 'none', recordedIn: 'processed', detail: 'HeadObject and the job source use the decoded key "uploads/my clip.mp4"' },
  { id: 's3-key-literal-plus', entry: 'S3 event', input: 'key with a literal "+" (%2B in the event)', expectedError: 'none', recordedIn: 'processed', detail: 'decoded to "uploads/a+b.mp4"' },
  { id: 's3-key-unicode', entry: 'S3 event', input: 'key with unicode (percent-encoded UTF-8 in the event)', expectedError: 'none', recordedIn: 'processed', detail: 'decoded to "uploads/café ✓.mp4"' },
  { id: 's3-key-percent', entry: 'S3 event', input: 'key with a literal "%" that is not valid encoding ("100%.mp4")', expectedError: 'none', recordedIn: 'processed', detail: 'kept literal' },
  { id: 's3-key-1024-bytes', entry: 'S3 event', input: 'key of exactly 1024 UTF-8 bytes', expectedError: 'none', recordedIn: 'processed', detail: 'accepted (S3 limit)' },
  { id: 's3-key-1025-bytes', entry: 'S3 event', input: 'key of 1025 UTF-8 bytes', expectedError: 'InvalidSourceKey', recordedIn: 'failed-record', detail: 'no HeadObject, no execution' },
  { id: 's3-upper-case-extension', entry: 'S3 event', input: 'extension in upper case (CLIP.MP4)', expectedError: 'none', recordedIn: 'processed', detail: 'accepted' },
  { id: 's3-disallowed-extension', entry: 'S3 event', input: 'extension not in ALLOWED_EXTENSIONS (.m4a)', expectedError: 'InvalidSourceKey', recordedIn: 'failed-record', detail: 'no HeadObject, no execution' },
  { id: 's3-outside-prefix', entry: 'S3 event', input: 'key outside SOURCE_KEY_PREFIX', expectedError: 'InvalidSourceKey', recordedIn: 'failed-record', detail: 'no execution' },
  { id: 's3-path-traversal', entry: 'S3 event', input: 'key with a ".." segment', expectedError: 'InvalidSourceKey', recordedIn: 'failed-record', detail: 'no execution' },
  { id: 's3-deleted-before-start', entry: 'S3 event', input: 'object deleted between the event and start-workflow (HeadObject 404)', expectedError: 'ObjectNotFound', recordedIn: 'failed-record', detail: 'no execution' },
  { id: 's3-overwritten-before-start', entry: 'S3 event', input: 'object overwritten since the event (ETag differs)', expectedError: 'ObjectNotFound', recordedIn: 'failed-record', detail: 'no execution; the overwrite has its own event' },
  { id: 's3-deleted-during-workflow', entry: 'S3 event', input: 'object version deleted after the start, before ExtractMetadata (GetObject NoSuchVersion)', expectedError: 'ObjectNotFound', recordedIn: 'failed-record', detail: 'not retried' },
  { id: 's3-duplicate-event', entry: 'S3 event', input: 'the same Object Created event delivered twice', expectedError: 'none', recordedIn: 'processed', detail: 'one record, one StartExecution' },
  { id: 's3-malformed-message', entry: 'S3 event', input: 'SQS message body that is not JSON', expectedError: 'MalformedEvent', recordedIn: 'batch-item-failure', detail: 'reported on each of maxReceiveCount (3) receives, so SQS moves it to the DLQ; the other messages of the batch succeed' },
  { id: 's3-not-object-created', entry: 'S3 event', input: 'JSON message that is not an S3 Object Created event (Object Deleted)', expectedError: 'MalformedEvent', recordedIn: 'batch-item-failure', detail: 'nothing written' },
  { id: 's3-other-bucket-event', entry: 'S3 event', input: 'Object Created event for another bucket', expectedError: 'MalformedEvent', recordedIn: 'batch-item-failure', detail: 'nothing written, no HeadObject' },
  { id: 's3-forged-etag', entry: 'S3 event', input: 'forged ingest message: the genuine key and version with another ETag', expectedError: 'ObjectNotFound', recordedIn: 'failed-record', detail: 'recorded under a rejection-specific id, never the genuine job id; the genuine event then starts the job', finding: 'forged-events' },
  { id: 's3-key-bidi-override', entry: 'S3 event', input: 'key with a right-to-left override (U+202E, "Trojan Source")', expectedError: 'InvalidSourceKey', recordedIn: 'failed-record', detail: 'no HeadObject, no execution', finding: 'smaller-hardening' },
  // --- HTTP API
  { id: 'api-zero-bytes', entry: 'HTTP API', input: 'POST /jobs for a zero-byte object', expectedError: 'UNSUPPORTED_MEDIA', recordedIn: 'http-4xx', detail: '422; no record, no execution' },
  { id: 'api-concurrent-same-key', entry: 'HTTP API', input: 'two concurrent POST /jobs for the same key', expectedError: 'none', recordedIn: 'processed', detail: 'one 202 and one 200 with the same jobId; one execution' },
  { id: 'api-names-bucket', entry: 'HTTP API', input: 'POST /jobs naming another bucket', expectedError: 'INVALID_REQUEST', recordedIn: 'http-4xx', detail: '400 with field "bucket"; S3 never called' },
  { id: 'api-missing-object', entry: 'HTTP API', input: 'POST /jobs for a key that does not exist', expectedError: 'SOURCE_NOT_FOUND', recordedIn: 'http-4xx', detail: '404 with field "key"' },
  { id: 'api-invalid-json', entry: 'HTTP API', input: 'POST /jobs with a body that is not JSON', expectedError: 'INVALID_REQUEST', recordedIn: 'http-4xx', detail: '400 with field "body"' },
  { id: 'api-body-too-large', entry: 'HTTP API', input: 'POST /jobs with a 5000-byte body', expectedError: 'PAYLOAD_TOO_LARGE', recordedIn: 'http-4xx', detail: '413' },
  { id: 'api-key-control-chars', entry: 'HTTP API', input: 'POST /jobs with a newline in the key', expectedError: 'INVALID_SOURCE_KEY', recordedIn: 'http-4xx', detail: '422 with field "key"; S3 never called' },
  { id: 'api-key-line-separator', entry: 'HTTP API', input: 'POST /jobs with a Unicode line separator (U+2028) or C1 control (U+0085) in the key', expectedError: 'INVALID_SOURCE_KEY', recordedIn: 'http-4xx', detail: '422 with field "key"; S3 never called', finding: 'smaller-hardening' },
  { id: 'api-malformed-version-id', entry: 'HTTP API', input: 'POST /jobs with a versionId that is not URL-ready', expectedError: 'INVALID_REQUEST', recordedIn: 'http-4xx', detail: '400 with field "versionId"; S3 never called (was a 500 that tripped the 5xx alarm)', finding: 'smaller-hardening' },
  { id: 'api-bogus-version-id', entry: 'HTTP API', input: 'POST /jobs with a well-formed versionId S3 never issued (HeadObject 400)', expectedError: 'SOURCE_NOT_FOUND', recordedIn: 'http-4xx', detail: '404 with field "key"; no record, no execution (was a 500)', finding: 'smaller-hardening' },
  { id: 'api-tampered-page-token', entry: 'HTTP API', input: 'GET /jobs with a tampered pagination token', expectedError: 'INVALID_REQUEST', recordedIn: 'http-4xx', detail: '400 with field "next"; DynamoDB never queried' },
  { id: 'api-bad-job-id', entry: 'HTTP API', input: 'GET /jobs/{jobId} with a path-traversal id', expectedError: 'INVALID_REQUEST', recordedIn: 'http-4xx', detail: '400 with field "jobId"; DynamoDB never read' },
  { id: 'api-upload-too-large', entry: 'HTTP API', input: 'POST /uploads larger than MAX_UPLOAD_BYTES', expectedError: 'UPLOAD_TOO_LARGE', recordedIn: 'http-4xx', detail: '422 with field "size"' },
  { id: 'api-upload-type-mismatch', entry: 'HTTP API', input: 'POST /uploads with a content type that does not match the extension', expectedError: 'UNSUPPORTED_MEDIA', recordedIn: 'http-4xx', detail: '422 with field "contentType"' },
  // --- Tenancy: owners, scopes, admin-only force (handlers/shared/caller.ts, owner.ts)
  { id: 'api-no-caller-identity', entry: 'HTTP API', input: 'a request without an authorizer identity (no JWT claims, no IAM principal)', expectedError: 'FORBIDDEN', recordedIn: 'http-4xx', detail: '403; never served as some owner' },
  { id: 'api-foreign-job-id', entry: 'HTTP API', input: "GET /jobs/{jobId} of another owner's job", expectedError: 'NOT_FOUND', recordedIn: 'http-4xx', detail: '404 with the same body as an id nobody has (no existence oracle)' },
  { id: 'api-key-outside-caller-prefix', entry: 'HTTP API', input: "POST /jobs for another owner's upload key", expectedError: 'SOURCE_NOT_FOUND', recordedIn: 'http-4xx', detail: '404 like a missing object; S3 never called, no record' },
  { id: 'api-owner-field', entry: 'HTTP API', input: 'POST /jobs with an owner field in the body', expectedError: 'INVALID_REQUEST', recordedIn: 'http-4xx', detail: '400 with field "owner" (unknown field)' },
  { id: 'api-force-without-admin', entry: 'HTTP API', input: 'POST /jobs with force by a caller without the admin scope', expectedError: 'FORBIDDEN', recordedIn: 'http-4xx', detail: '403 with field "force"; S3 never called' },
  { id: 'api-foreign-page-token', entry: 'HTTP API', input: "GET /jobs with another caller's next token", expectedError: 'INVALID_REQUEST', recordedIn: 'http-4xx', detail: '400 with field "next"; DynamoDB never queried' },
  // --- Spend limits: daily quota, single-use upload forms, one run per version (handlers/shared/limits.ts)
  { id: 'api-quota-exceeded', entry: 'HTTP API', input: 'POST /jobs past max_jobs_per_owner_per_day', expectedError: 'QUOTA_EXCEEDED', recordedIn: 'http-4xx', detail: '429 with Retry-After (seconds to the next UTC day); no record, no execution' },
  { id: 'api-force-loop', entry: 'HTTP API', input: 'an admin POSTing force for one key in a loop', expectedError: 'JOB_ALREADY_RUNNING', recordedIn: 'http-4xx', detail: '409 while the previous run is QUEUED or PROCESSING; each accepted re-run counts in the owner\'s quota' },
  { id: 'api-upload-form-reused', entry: 'HTTP API', input: 'POST /jobs for a second object version posted with a used upload form', expectedError: 'UPLOAD_ALREADY_USED', recordedIn: 'http-4xx', detail: '409; no second execution' },
  { id: 's3-quota-exceeded', entry: 'S3 event', input: 'an upload past max_jobs_per_owner_per_day', expectedError: 'QuotaExceeded', recordedIn: 'failed-record', detail: 'FAILED record owned by the uploader, message acknowledged (no DLQ), no execution; recorded under a per-day rejection id, so the version can run another day' },
  { id: 's3-upload-form-reused', entry: 'S3 event', input: 'a second object version posted with the same presigned form', expectedError: 'UploadAlreadyUsed', recordedIn: 'failed-record', detail: "FAILED record under the second version's job id, visible to the owner; the first version's job is untouched; no second execution" },
  // --- EventBridge events reaching job-progress
  { id: 'eb-mediaconvert-not-ours', entry: 'EventBridge', input: 'MediaConvert state change of a job from another workflow', expectedError: 'none', recordedIn: 'ignored-logged', detail: 'no DynamoDB call' },
  { id: 'eb-mediaconvert-no-job-id', entry: 'EventBridge', input: 'MediaConvert state change without userMetadata.jobId', expectedError: 'none', recordedIn: 'ignored-logged', detail: 'no DynamoDB call' },
  { id: 'eb-execution-other-machine', entry: 'EventBridge', input: 'Step Functions status change of another state machine', expectedError: 'none', recordedIn: 'ignored-logged', detail: 'no DynamoDB call' },
  { id: 'eb-execution-not-a-job-id', entry: 'EventBridge', input: 'Step Functions status change whose execution name is not a job id', expectedError: 'none', recordedIn: 'ignored-logged', detail: 'no DynamoDB call' },
  { id: 'eb-forged-execution-aborted', entry: 'EventBridge', input: 'crafted "Execution Status Change" ABORTED for a job whose execution is RUNNING (job-progress invoked directly)', expectedError: 'none', recordedIn: 'ignored-logged', detail: 'DescribeExecution says RUNNING: no write, no notification, the record stays PROCESSING', finding: 'forged-events' },
];

export interface FaultCase {
  readonly id: string;
  /** The fault injected. */
  readonly fault: string;
  /** Where: the state (or handler) that sees it. */
  readonly injectedAt: string;
  /** Final job status, and the recorded error name or warning when there is one. */
  readonly expectedStatus: 'COMPLETED' | 'FAILED' | 'QUEUED';
  readonly expectedError: string;
  readonly recordedIn: Sink | 'processed-with-warning';
  /** Calls of the faulty task or handler the test asserts (retries included). */
  readonly attempts: string;
  /** The attack finding the row reproduces (issue 14), when it is one. */
  readonly finding?: Finding;
}

export const FAULTS: readonly FaultCase[] = [
  { id: 'lambda-throttled-recovers', fault: 'Lambda.TooManyRequestsException twice', injectedAt: 'ExtractMetadata', expectedStatus: 'COMPLETED', expectedError: 'none', recordedIn: 'processed', attempts: '3 (2 retries), execution SUCCEEDED' },
  { id: 'lambda-timeout-recovers', fault: 'the Lambda never answers once (task TimeoutSeconds 60 fires)', injectedAt: 'PlanTranscode', expectedStatus: 'COMPLETED', expectedError: 'none', recordedIn: 'processed', attempts: '2 (1 States.Timeout retry)' },
  { id: 's3-slowdown-recovers', fault: 'S3 SlowDown on a ranged GET, let through by the real handler', injectedAt: 'ExtractMetadata', expectedStatus: 'COMPLETED', expectedError: 'none', recordedIn: 'processed', attempts: '2 (1 retry)' },
  { id: 'lambda-retries-exhausted', fault: 'Lambda.ServiceException on every attempt', injectedAt: 'PlanTranscode', expectedStatus: 'FAILED', expectedError: 'Lambda.ServiceException', recordedIn: 'failed-record', attempts: '4 (1 + MaxAttempts 3), then FAILED + failure notification' },
  { id: 'dynamodb-throttled-recovers', fault: 'DynamoDB.ThrottlingException twice on the RecordStart integration', injectedAt: 'RecordStart', expectedStatus: 'COMPLETED', expectedError: 'none', recordedIn: 'processed', attempts: '3' },
  { id: 'mediaconvert-throttled-recovers', fault: 'MediaConvert.TooManyRequestsException once on CreateJob', injectedAt: 'Transcode', expectedStatus: 'COMPLETED', expectedError: 'none', recordedIn: 'processed', attempts: '2' },
  { id: 'mediaconvert-job-error', fault: 'MediaConvert job ends in ERROR (code 1010)', injectedAt: 'Transcode', expectedStatus: 'FAILED', expectedError: 'MediaConvertJobFailed', recordedIn: 'failed-record', attempts: '1 (never retried); record carries mediaConvertError.code 1010' },
  { id: 'stale-status-conditional-check', fault: 'RecordStart ConditionalCheckFailed: the job is already COMPLETED (stale or redriven execution)', injectedAt: 'RecordStart', expectedStatus: 'COMPLETED', expectedError: 'JobStateConflict', recordedIn: 'ignored-logged', attempts: '1 (not retried); ends in JobNotQueued: no write, no notification; execution FAILED (ExecutionsFailed alarm); job-progress ignores its status event' },
  { id: 'sns-fails-on-success', fault: 'SNS Publish fails (KMSThrottling) in the real publish handler', injectedAt: 'Publish', expectedStatus: 'COMPLETED', expectedError: 'notification failed: KMSThrottlingException', recordedIn: 'processed-with-warning', attempts: '1 (not retried); execution SUCCEEDED' },
  { id: 'archive-fails-after-publish', fault: 'CopyObject AccessDenied in the real archive-source handler', injectedAt: 'ArchiveSource', expectedStatus: 'COMPLETED', expectedError: 'ArchiveSource failed: ArchiveFailed', recordedIn: 'processed-with-warning', attempts: '1 (ArchiveFailed is not retried); execution SUCCEEDED' },
  { id: 'record-failure-throttled', fault: 'DynamoDB ThrottlingException on the FAILED write in the real record-failure handler', injectedAt: 'RecordFailure', expectedStatus: 'FAILED', expectedError: 'UnsupportedMedia', recordedIn: 'failed-record', attempts: '2 (1 retry); the original error is kept' },
  { id: 'failure-notification-fails', fault: 'SNS unavailable on the failure notification', injectedAt: 'NotifyFailure', expectedStatus: 'FAILED', expectedError: 'UnsupportedMedia', recordedIn: 'failed-record', attempts: '5 (1 + MaxAttempts 4); execution still FAILED with the original error' },
  { id: 'execution-timed-out', fault: 'the whole execution exceeds its TimeoutSeconds while Transcode hangs (no Catch runs), then the Step Functions TIMED_OUT status event arrives', injectedAt: 'execution / job-progress (execution-status)', expectedStatus: 'FAILED', expectedError: 'States.Timeout', recordedIn: 'failed-record', attempts: '1 Transcode call, execution TIMED_OUT with the record PROCESSING; job-progress writes FAILED; a redelivered event keeps the first error' },
  { id: 'ingest-dynamodb-throttled', fault: 'DynamoDB throttles the QUEUED put in start-workflow', injectedAt: 'start-workflow', expectedStatus: 'QUEUED', expectedError: 'ProvisionedThroughputExceededException', recordedIn: 'batch-item-failure', attempts: '2 receives: the first is handed back to SQS, the redelivery starts the job' },
  { id: 'ingest-guarded-create-conflict', fault: 'TransactionCanceledException (TransactionConflict) on the job put + quota counter + run lock transaction', injectedAt: 'start-workflow', expectedStatus: 'QUEUED', expectedError: 'TransactionCanceledException', recordedIn: 'batch-item-failure', attempts: '2 receives: nothing was written or counted by the first; the redelivery starts the job once and counts it once' },
  { id: 'source-overwritten-before-transcode', fault: 'the source key is overwritten (version 2) after ExtractMetadata probed version 1, before the transcode', injectedAt: 'between PlanTranscode and Transcode', expectedStatus: 'COMPLETED', expectedError: 'none', recordedIn: 'processed', attempts: '1 PinSource copy of version 1; MediaConvert reads the pinned copy: the outputs are made from version 1', finding: 'version-pin' },
  { id: 'pinned-copy-replaced-during-transcode', fault: 'other bytes are written over the job-scoped pinned copy while MediaConvert runs', injectedAt: 'Transcode', expectedStatus: 'FAILED', expectedError: 'QualityCheckFailed', recordedIn: 'failed-record', attempts: '1; QC input-pinned fails (version and size differ from the pin), nothing published', finding: 'version-pin' },
  { id: 'ingest-start-execution-throttled', fault: 'StartExecution throttled after the QUEUED record was written', injectedAt: 'start-workflow', expectedStatus: 'QUEUED', expectedError: 'ThrottlingException', recordedIn: 'batch-item-failure', attempts: '2 receives, exactly 1 execution: the redelivery finds the QUEUED record without an execution and starts it' },
];
