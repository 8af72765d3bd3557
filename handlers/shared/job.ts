import type { Playback } from './playback';
import type { QualityThresholds } from './quality-thresholds';

/**
 * The job record (one DynamoDB item per job) and the state that travels through the
 * state machine. Field names here are the attribute names in the table and the keys in
 * the execution state, so `asl/` and `stacks/` depend on them.
 */

export type JobStatus = 'QUEUED' | 'PROCESSING' | 'COMPLETED' | 'FAILED';
export const JOB_STATUSES: readonly JobStatus[] = ['QUEUED', 'PROCESSING', 'COMPLETED', 'FAILED'];

/** Allowed status transitions; every write that changes status is conditional on these. */
export const ALLOWED_TRANSITIONS: Readonly<Record<JobStatus, readonly JobStatus[]>> = {
  QUEUED: ['PROCESSING', 'FAILED'],
  PROCESSING: ['COMPLETED', 'FAILED'],
  COMPLETED: [],
  FAILED: [],
};

export function canTransition(from: JobStatus, to: JobStatus): boolean {
  return ALLOWED_TRANSITIONS[from].includes(to);
}

/** How the job was started. */
export type JobTrigger = 's3' | 'api';

/** The source object, pinned to one version (or ETag when the bucket is unversioned). */
export interface SourceRef {
  readonly bucket: string;
  readonly key: string;
  readonly versionId?: string;
  readonly etag: string;
  readonly size: number;
}

/** What extract-metadata learned from the media itself (never from the file name). */
export interface MediaMetadata {
  readonly container: string;
  readonly durationSeconds: number;
  readonly width: number;
  readonly height: number;
  /** Width/height as displayed, after rotation and pixel aspect ratio. */
  readonly displayWidth: number;
  readonly displayHeight: number;
  readonly displayAspectRatio: number;
  readonly rotation: number;
  readonly frameRate: number;
  readonly videoCodec: string;
  readonly bitRate?: number;
  readonly audioTrackCount: number;
  readonly audioCodec?: string;
  /** Channels of the first audio track (1 mono, 2 stereo, 6 for 5.1), when the probe says. */
  readonly audioChannels?: number;
  /** MediaInfo's ChannelLayout of that track, in stream order ("C L R Ls Rs LFE" for AAC 5.1, "M" for mono). */
  readonly audioChannelLayout?: string;
  /** Bytes read from S3 by the probe (ranged GETs), for cost and logging. */
  readonly bytesRead: number;
}

/**
 * `hls-master` is the HLS multivariant playlist (of an HLS or a CMAF group), `dash-manifest` a
 * CMAF group's MPD, `audio-rendition` a CMAF group's audio-only playlist.
 */
export type OutputKind = 'mp4' | 'hls-master' | 'hls-rendition' | 'dash-manifest' | 'audio-rendition' | 'thumbnail';
export const OUTPUT_KINDS: readonly OutputKind[] = ['mp4', 'hls-master', 'hls-rendition', 'dash-manifest', 'audio-rendition', 'thumbnail'];

/** One output plan-transcode expects MediaConvert to write. */
export interface ExpectedOutput {
  readonly kind: OutputKind;
  /** s3:// URI (for thumbnails: the prefix/name modifier MediaConvert numbers from). */
  readonly uri: string;
  readonly width?: number;
  readonly height?: number;
  readonly maxBitrate?: number;
}

export interface LadderRung {
  readonly width: number;
  readonly height: number;
  readonly maxBitrate: number;
  readonly qvbrQualityLevel: number;
  /** Set for HEVC rungs only; absent means H.264 (so the standard ladder's JSON is unchanged). */
  readonly codec?: 'H_265';
}

export interface QcCheck {
  readonly name: string;
  readonly passed: boolean;
  readonly detail: string;
}

/** Statistics of one metric over a rung's frames (see handlers/quality-control/quality-metrics.ts). */
export interface MetricStats {
  readonly mean: number;
  /** 5th percentile: 95% of frames score at least this. */
  readonly p5: number;
  readonly min: number;
  /** Mean of the lowest-scoring one-second window of consecutive frames. */
  readonly worstSecond: number;
  readonly frames: number;
}

/** Picture quality of one video output (an HLS rendition or the MP4), measured against the source. */
export interface RungQuality {
  /** MediaConvert's output name (`master_720p`, `video_1080p`): the metric files are `<name>_<METRIC>.csv`. */
  readonly name: string;
  readonly width: number;
  readonly height: number;
  /** Planned peak bit rate (bits/s). */
  readonly bitrate?: number;
  readonly top: boolean;
  readonly ssim: MetricStats;
  readonly psnr: MetricStats;
  /** Absent where the transcoder cannot measure VMAF (the local ffmpeg has no libvmaf). */
  readonly vmaf?: MetricStats;
}

export interface QualityReport {
  readonly rungs: readonly RungQuality[];
}

/**
 * The error a failed QC run ends the job with (the "Quality passed?" Pass state copies it to
 * `Error`): missing or broken outputs first, then missing metric files, then a rung below its floor.
 */
export type QcErrorName = 'QualityCheckFailed' | 'QualityMetricsMissing' | 'QualityBelowThreshold';

export interface QcResult {
  readonly passed: boolean;
  /** Set whenever `passed` is false. */
  readonly error?: QcErrorName;
  /** Per-rung picture quality from the per-frame metric files (empty when none could be read). */
  readonly quality?: QualityReport;
  readonly checks: readonly QcCheck[];
  /** `detail` of each failed check; the state machine puts these in the error cause. */
  readonly failures: readonly string[];
  /**
   * s3:// URIs of the thumbnails found (sorted, at most MAX_LISTED_THUMBNAILS). MediaConvert's
   * GetJob result (what `.sync` returns) lists no file paths, so publish takes them from here.
   */
  readonly thumbnails?: readonly string[];
}

export interface JobOutputs {
  readonly mp4: readonly string[];
  readonly hls?: string;
  /** The DASH manifest of a CMAF group. */
  readonly dash?: string;
  readonly thumbnails: readonly string[];
}

/** The caller's pairs (`POST /jobs {"metadata": ...}`), carried into MediaConvert's UserMetadata and the completion event. */
export type UserMetadata = Readonly<Record<string, string>>;

export interface JobError {
  readonly name: string;
  readonly cause: string;
}

/** The last error MediaConvert reported for the job (from its state-change events or the .sync failure). */
export interface MediaConvertErrorInfo {
  /** MediaConvert error code, e.g. 1010 (see the MediaConvert error code table). */
  readonly code: number;
  readonly message: string;
  readonly mediaConvertJobId?: string;
}

export interface JobRecord {
  readonly jobId: string;
  readonly status: JobStatus;
  readonly trigger: JobTrigger;
  /**
   * Who the job belongs to (handlers/shared/owner.ts): an owner id, `system` or `local`. Every
   * record written since tenancy carries it (the owner index needs it); a record without it is
   * read as `system`.
   */
  readonly owner?: string;
  /** The normalised principal that asked for the job through the API (audit; internal, never public). */
  readonly requestedBy?: string;
  readonly source: SourceRef;
  /** The encoding profile (handlers/plan-transcode/profiles), resolved and allowed at start. */
  readonly profile?: string;
  readonly userMetadata?: UserMetadata;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly executionArn?: string;
  readonly metadata?: MediaMetadata;
  readonly mediaConvertJobId?: string;
  /** 0..100 while MediaConvert reports STATUS_UPDATE. */
  readonly progress?: number;
  /** Internal: s3:// URIs of the outputs (operators, QC, archive). */
  readonly outputs?: JobOutputs;
  /** Public: https URLs of the outputs on the delivery distribution (unsigned; get-job signs them). */
  readonly playback?: Playback;
  readonly qc?: { readonly passed: boolean; readonly failures: readonly string[]; readonly checkCount: number };
  /** Per-rung picture quality measured by quality-control (on COMPLETED jobs and on quality failures). */
  readonly quality?: QualityReport;
  readonly error?: JobError;
  /** Non-fatal problems (archive copy failed, notification failed) on a COMPLETED job. */
  readonly warnings?: readonly string[];
  /** Epoch seconds; DynamoDB TTL attribute. */
  readonly expiresAt?: number;
  /** Set by job-progress (ERROR events) and record-failure; the status is still owned by the state machine. */
  readonly mediaConvertError?: MediaConvertErrorInfo;
}

/** Execution input written by start-workflow; tasks add their results under their own keys. */
export interface WorkflowInput {
  readonly jobId: string;
  readonly source: SourceRef;
  readonly trigger: JobTrigger;
  readonly createdAt: string;
  readonly profile: string;
  readonly userMetadata: UserMetadata;
}

/** plan-transcode result. `settings` is typed as MediaConvert `JobSettings` in the handler. */
export interface TranscodePlan {
  readonly settings: Record<string, unknown>;
  readonly ladder: readonly LadderRung[];
  readonly expectedOutputs: readonly ExpectedOutput[];
  readonly thumbnailCount: number;
  /** s3:// prefix under the output bucket: `s3://<output>/<jobId>/`. */
  readonly outputPrefix: string;
  /** Picture-quality floors quality-control applies (the profile's, else DEFAULT_QUALITY_THRESHOLDS). */
  readonly quality?: QualityThresholds;
  /** The profile the plan follows. */
  readonly profile: string;
  /** What each of `settings.OutputGroups` is, in order (GetJob reports groups by position only). */
  readonly groupRoles: readonly ('mp4' | 'hls' | 'cmaf' | 'thumbnails')[];
  /** CreateJob's AccelerationSettings (`PREFERRED` when the profile asks for it at this duration). */
  readonly accelerationSettings: { readonly Mode: 'DISABLED' | 'PREFERRED' };
  /** CreateJob's UserMetadata: the caller's pairs plus jobId, workflow and profile (which win). */
  readonly userMetadata: UserMetadata;
}

/** The Transcode task's ResultSelector output (a trimmed MediaConvert `Job`). */
export interface TranscodeResult {
  readonly mediaConvertJobId: string;
  readonly outputGroupDetails: ReadonlyArray<{
    readonly OutputDetails?: ReadonlyArray<{
      readonly OutputFilePaths?: readonly string[];
      readonly DurationInMs?: number;
      readonly VideoDetails?: { readonly WidthInPx?: number; readonly HeightInPx?: number };
    }>;
    readonly PlaylistFilePaths?: readonly string[];
    readonly Type?: string;
  }>;
}

/** The table's index of jobs by status, newest first (GET /jobs?status=). */
export const STATUS_INDEX_NAME = 'status-createdAt';

/** The table's index of jobs by owner, newest first (GET /jobs lists the caller's own jobs). */
export const OWNER_INDEX_NAME = 'owner-createdAt';

/** Job ids are 32 lowercase hex chars: valid as a Step Functions execution name and an S3 prefix. */
export const JOB_ID_PATTERN = /^[0-9a-f]{32}$/;
