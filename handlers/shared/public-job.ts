import type { JobRecord, JobStatus, QualityReport } from './job';
import type { DeliverySettings, Playback } from './playback';
import { SYSTEM_OWNER } from './owner';

/**
 * The job as API callers see it. Internal details stay out: the bucket names (callers never
 * choose a bucket; they carry the account id and region), the output s3:// URIs (playback
 * carries https URLs instead), the ETag, the execution ARN and MediaConvert job id (they carry
 * the account id and are operator concerns), the raw error cause and the TTL attribute. No
 * public view holds an s3:// URI, a bucket name, an account id or an ARN
 * (__tests__/api/public-responses.test.ts and the scan of every API test response).
 */
export interface PublicJob {
  readonly jobId: string;
  readonly status: JobStatus;
  readonly trigger: JobRecord['trigger'];
  /** The owner id (handlers/shared/owner.ts), `system` or `local`; never the raw subject or ARN. */
  readonly owner: string;
  /** 0..100; 100 once COMPLETED, absent before MediaConvert reports. */
  readonly progress?: number;
  readonly source: { readonly key: string; readonly versionId?: string; readonly size: number };
  /** The encoding profile the job runs with. */
  readonly profile?: string;
  /** The caller's pairs (`metadata` in POST /jobs and POST /uploads). */
  readonly userMetadata?: Readonly<Record<string, string>>;
  readonly metadata?: PublicMetadata;
  /** COMPLETED jobs: https URLs on the delivery distribution (signed, with `signature`, when signing is on). */
  readonly playback?: PublicPlayback;
  /** `failures` name outputs by their path under the job (`hls/clip_720p.m3u8`), never by bucket. */
  readonly qc?: { readonly passed: boolean; readonly checkCount: number; readonly failures: readonly string[] };
  /** Measured picture quality per rung (output names and numbers only, no S3 locations). */
  readonly quality?: QualityReport;
  /** `message` comes from an allow-list per error name; the raw cause stays in the record for operators. */
  readonly error?: { readonly name: string; readonly message: string };
  readonly warnings?: readonly string[];
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  /** Where to poll this job. */
  readonly statusUrl: string;
}

/** A summary of the probed media: what a caller needs to show, not the probe's internals. */
export interface PublicMetadata {
  readonly container: string;
  readonly durationSeconds: number;
  readonly width: number;
  readonly height: number;
  readonly frameRate: number;
  readonly videoCodec: string;
  readonly audioCodec?: string;
  readonly audioTrackCount: number;
  readonly bitRate?: number;
}

/** Playback as returned to callers; `signature` only when the URLs are signed (get-job). */
export interface PublicPlayback extends Playback {
  readonly signature?: PlaybackSignature;
}

/**
 * One CloudFront custom-policy signature for every object under the job (`https://<domain>/<jobId>/*`):
 * a player appends `queryString` to every manifest and segment request (hls.js xhrSetup /
 * fetchSetup), because relative URLs inside a manifest drop a signed URL's query string.
 */
export interface PlaybackSignature {
  /** ISO time after which CloudFront refuses the signature. */
  readonly expiresAt: string;
  /** The signer's query string (`Policy=...&Key-Pair-Id=...&Signature=...`), verbatim. */
  readonly queryString: string;
  readonly query: { readonly Policy: string; readonly Signature: string; readonly 'Key-Pair-Id': string };
}

/**
 * What a public view says about a failure, per error name. Anything not listed gets the
 * generic message: raw causes can quote bucket names, ARNs and AWS error text.
 */
export const PUBLIC_ERROR_MESSAGES: Readonly<Record<string, string>> = {
  UnsupportedMedia: 'The source is not a video this pipeline can transcode (no video track, unsupported codec, truncated or empty file).',
  ObjectNotFound: 'The source object does not exist (deleted or never uploaded).',
  InvalidSourceKey: 'The source key is not accepted (prefix or file extension not allowed).',
  MalformedEvent: 'The request or event that started this job could not be read.',
  QualityCheckFailed: 'The transcoded outputs failed quality control; qc.failures lists the checks that failed.',
  QualityBelowThreshold: 'A rendition\'s measured picture quality is below its floor; quality lists the measured renditions.',
  QualityMetricsMissing: 'The transcoder did not write the picture-quality measurements that quality control needs.',
  MediaConvertJobFailed: 'The transcoder could not process this source.',
  UnknownProfile: 'The job names an encoding profile this deployment does not ship (docs/profiles.md lists them).',
  ProfileNotAllowed: 'The job names an encoding profile this deployment does not allow.',
  InvalidJobMetadata: 'The job\'s metadata pairs are out of bounds (at most 10 string pairs, bounded sizes).',
  ConfigurationError: 'The pipeline is misconfigured; an operator has been alerted.',
  'States.Timeout': 'The job took longer than this environment allows.',
};
export const GENERIC_ERROR_MESSAGE = 'The job failed; an operator can see the cause in the job record.';

export function publicErrorMessage(name: string): string {
  return Object.prototype.hasOwnProperty.call(PUBLIC_ERROR_MESSAGES, name) ? PUBLIC_ERROR_MESSAGES[name] : GENERIC_ERROR_MESSAGE;
}

/**
 * A QC detail as callers see it: output URIs become paths under the job
 * (`s3://<bucket>/<jobId>/hls/a.m3u8` -> `hls/a.m3u8`), and any ARN left is redacted.
 */
export function publicDetail(detail: string, jobId: string): string {
  return detail
    .replace(/s3:\/\/[^/\s]+\/?([^\s]*)/g, (_m, key: string) => (key.startsWith(`${jobId}/`) ? key.slice(jobId.length + 1) : key || '(output)'))
    .replace(/arn:aws[a-z-]*:[^\s,;)]*/g, '(redacted)');
}

export function statusUrlFor(jobId: string): string {
  return `/jobs/${jobId}`;
}

export interface PublicViewOptions {
  /**
   * The playback to show: the record's unsigned URLs (default), signed ones (get-job), or none
   * (signing is on and this view cannot sign: list-jobs, notifications).
   */
  readonly playback?: PublicPlayback | 'record' | 'omit';
}

/** The view for handlers that cannot sign: the record's URLs, or none when playback must be signed. */
export function unsignedView(delivery: DeliverySettings | undefined): PublicViewOptions {
  return { playback: delivery?.signed ? 'omit' : 'record' };
}

export function toPublicJob(job: JobRecord, options: PublicViewOptions = {}): PublicJob {
  const m = job.metadata;
  const choice = options.playback ?? 'record';
  const playback = job.status !== 'COMPLETED' || choice === 'omit' ? undefined : choice === 'record' ? job.playback : choice;
  return dropUndefined({
    jobId: job.jobId,
    status: job.status,
    trigger: job.trigger,
    owner: job.owner ?? SYSTEM_OWNER,
    progress: job.status === 'COMPLETED' ? 100 : job.progress,
    source: dropUndefined({ key: job.source.key, versionId: job.source.versionId, size: job.source.size }),
    profile: job.profile,
    userMetadata: job.userMetadata === undefined ? undefined : { ...job.userMetadata },
    metadata:
      m === undefined
        ? undefined
        : dropUndefined({
            container: m.container,
            durationSeconds: m.durationSeconds,
            // Displayed size (after rotation), which is what a player shows.
            width: m.displayWidth,
            height: m.displayHeight,
            frameRate: m.frameRate,
            videoCodec: m.videoCodec,
            audioCodec: m.audioCodec,
            audioTrackCount: m.audioTrackCount,
            bitRate: m.bitRate,
          }),
    playback: playback === undefined ? undefined : dropUndefined({ ...playback, mp4: [...playback.mp4], thumbnails: [...playback.thumbnails] }),
    qc:
      job.qc === undefined
        ? undefined
        : { passed: job.qc.passed, checkCount: job.qc.checkCount, failures: job.qc.failures.map((f) => publicDetail(f, job.jobId)) },
    quality:
      job.quality === undefined
        ? undefined
        : {
            rungs: job.quality.rungs.map((r) =>
              dropUndefined({ name: r.name, width: r.width, height: r.height, bitrate: r.bitrate, top: r.top, ssim: r.ssim, psnr: r.psnr, vmaf: r.vmaf }),
            ),
          },
    error: job.error === undefined ? undefined : { name: job.error.name, message: publicErrorMessage(job.error.name) },
    warnings: job.warnings === undefined || job.warnings.length === 0 ? undefined : [...job.warnings],
    createdAt: job.createdAt,
    updatedAt: job.updatedAt,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
    statusUrl: statusUrlFor(job.jobId),
  });
}

/** JSON.stringify drops undefined anyway; removing them keeps test expectations exact. */
function dropUndefined<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
