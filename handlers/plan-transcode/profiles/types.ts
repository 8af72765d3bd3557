import type { QualityThresholdOverrides } from '../../shared/quality-thresholds';

/**
 * An encoding profile: what one job produces, as data. plan-transcode turns a profile and the
 * probed source into MediaConvert settings (plan.ts); quality control, publish, `npm run plan`
 * and the local transcoder all follow the plan, so a new profile is a new file here and an
 * entry in index.ts, not a branch in the planner. docs/profiles.md says how to add one.
 */
export type VideoCodec = 'H_264' | 'H_265';

/** One candidate rung, by SHORT side (a portrait source gets the same rungs turned). */
export interface RungSpec {
  readonly shortSide: number;
  /** QVBR's ceiling (bits/s). */
  readonly maxBitrate: number;
  /** QVBR quality level 1..10. */
  readonly qvbrQualityLevel: number;
}

/** A ladder of one codec. Rungs above the source are dropped; the top rung is capped at the source. */
export interface LadderSpec {
  readonly codec: VideoCodec;
  /** Largest first. */
  readonly rungs: readonly RungSpec[];
  /** Prefix of the rung's name modifier (`''` -> `_720p`, `'_hevc'` -> `_hevc_720p`). */
  readonly namePrefix: string;
}

/** One crop of the source for `mp4-per-aspect` (width:height, e.g. 9:16 for vertical video). */
export interface AspectSpec {
  readonly name: string;
  readonly width: number;
  readonly height: number;
}

export type PackagingSpec =
  /** One progressive MP4 of the top rung of the first ladder. */
  | { readonly type: 'mp4' }
  /** One HLS group (TS segments) with every rung of every ladder. */
  | { readonly type: 'hls' }
  /** One CMAF group: fMP4 segments with both an HLS and a DASH manifest, audio as its own output. */
  | { readonly type: 'cmaf' }
  /** One MP4 per aspect ratio, center-cropped from the source, short side at most `maxShortSide`. */
  | { readonly type: 'mp4-per-aspect'; readonly aspects: readonly AspectSpec[]; readonly maxShortSide: number; readonly rung: RungSpec };

export interface AudioSpec {
  readonly codec: 'AAC';
  readonly bitrate: number;
  readonly sampleRate: 48_000 | 44_100;
}

export type FrameCaptureSpec =
  /** Thumbnails every N seconds (the deployment's THUMBNAIL_INTERVAL_SECONDS), at most a maximum. */
  | { readonly type: 'thumbnails'; readonly maxShortSide: number }
  /** One poster frame at the top rung's size (capped at `maxShortSide`). */
  | { readonly type: 'poster'; readonly maxShortSide: number };

/** MediaConvert Automated ABR on the streaming group: MediaConvert picks the renditions inside these bounds. */
export interface AutomatedAbrSpec {
  readonly codec: VideoCodec;
  readonly maxRenditions: number;
  readonly minAbrBitrate: number;
  readonly maxAbrBitrate: number;
  /** Highest QVBR level MediaConvert may use. */
  readonly maxQualityLevel: number;
}

export interface ProfileOptions {
  /** Ask for accelerated transcoding (`PREFERRED`: falls back to normal when the job does not qualify) from this source duration on. */
  readonly acceleratedFromSeconds?: number;
  /** Replace the streaming group's ladder with MediaConvert Automated ABR. */
  readonly automatedAbr?: AutomatedAbrSpec;
}

export interface EncodingProfile {
  /** The name callers choose (`POST /jobs {"profile": ...}`, `x-amz-meta-profile`). */
  readonly name: string;
  /** One line for docs and `npm run plan`. */
  readonly description: string;
  /** Ladders, one per codec, in the order their outputs appear in the streaming group. */
  readonly ladders: readonly LadderSpec[];
  readonly packaging: readonly PackagingSpec[];
  readonly audio: AudioSpec;
  readonly frameCaptures: FrameCaptureSpec;
  readonly options: ProfileOptions;
  /**
   * Changes to the picture-quality floors quality control applies per video output
   * (DEFAULT_QUALITY_THRESHOLDS, handlers/shared/quality-thresholds.ts), statistic by statistic;
   * absent: the defaults. The plan carries the result, so QC gates each job by its own profile.
   */
  readonly quality?: QualityThresholdOverrides;
}
