import type { AudioDescription, JobSettings, Output, OutputGroup, VideoDescription } from '@aws-sdk/client-mediaconvert';
import { UnsupportedMedia } from '../shared/errors';
import { OUTPUT_GROUP_ORDER } from '../shared/output-groups';
import { pinnedSourceKey } from '../shared/pinned-source';
import type { ExpectedOutput, MediaMetadata, SourceRef, TranscodePlan } from '../shared/job';
import { DEFAULT_QUALITY_THRESHOLDS } from '../shared/quality-thresholds';
import { perFrameMetrics } from './frame-metrics';
import { planAudio, type AudioPlan } from './audio';
import { planLadder, type PlannedRung } from './ladder';
import { planRotation } from './rotation';

export interface PlanTranscodeEvent {
  readonly jobId: string;
  readonly source: SourceRef;
  readonly metadata: MediaMetadata;
}

export interface PlanConfig {
  readonly outputBucket: string;
  /**
   * Bucket of the job-scoped pinned copy PinSource makes (handlers/shared/pinned-source.ts):
   * the transcode reads that copy, never the live source key. @default the source's own bucket
   * (local previews of a plan, which transcode nothing)
   */
  readonly pinnedSourceBucket?: string;
  /** Longest source we accept; MediaConvert jobs past this would time out the workflow. */
  readonly maxDurationSeconds: number;
  /** One thumbnail per this many seconds of video ... */
  readonly thumbnailIntervalSeconds: number;
  /** ... and never more than this many. */
  readonly maxThumbnails: number;
}

export const DEFAULT_MAX_DURATION_SECONDS = 12 * 3600;
export const DEFAULT_THUMBNAIL_INTERVAL_SECONDS = 10;
export const MAX_THUMBNAILS = 10;

/**
 * The order of `Settings.OutputGroups`. MediaConvert's GetJob (what `createJob.sync` returns)
 * reports `OutputGroupDetails` in this order with only durations and sizes (no file paths, no
 * group type), so quality-control tells the groups apart by position when nothing else says.
 */

/** Output base names: MediaConvert writes `<base><NameModifier>.<ext>` under each destination. */
export const OUTPUT_NAMES = { mp4: 'video', hls: 'master', thumbnails: 'thumb' } as const;

const AUDIO_SELECTOR = 'Audio Selector 1';
/** Longest side of the thumbnails: enough for a poster frame, small enough to list pages fast. */
const THUMBNAIL_MAX_SHORT_SIDE = 720;

/** The plan's settings are `JobSettings` (tsc checks every field); the state keeps them as JSON. */
export interface TypedTranscodePlan extends TranscodePlan {
  readonly settings: JobSettings & Record<string, unknown>;
  readonly ladder: readonly PlannedRung[];
}

/**
 * MediaConvert job settings for one source: an MP4 at the top rung, an HLS QVBR ladder capped
 * at the source size, and frame-capture thumbnails, all under `s3://<output>/<jobId>/`.
 * Throws UnsupportedMedia for sources we cannot transcode (no size, no or too long duration).
 */
export function planTranscode(event: PlanTranscodeEvent, config: PlanConfig): TypedTranscodePlan {
  const { jobId, source, metadata } = event;
  assertTranscodable(metadata, config);

  // Both throw UnsupportedMedia for what MediaConvert cannot do (a tilted rotation).
  const rotation = planRotation(metadata);
  const audio = planAudio(metadata);
  const ladder = planLadder(metadata);
  const top = ladder[0];
  const hasAudio = audio !== undefined;
  const outputPrefix = `s3://${config.outputBucket}/${jobId}/`;
  const thumbnailCount = Math.min(config.maxThumbnails, Math.max(1, Math.floor(metadata.durationSeconds / config.thumbnailIntervalSeconds)));
  const thumbnailRung = ladder.find((r) => r.shortSide <= THUMBNAIL_MAX_SHORT_SIDE) ?? ladder[ladder.length - 1];
  // MediaConvert appends NameModifier and the extension to these; expectedOutputs names the results.
  const destination = {
    mp4: `${outputPrefix}mp4/${OUTPUT_NAMES.mp4}`,
    hls: `${outputPrefix}hls/${OUTPUT_NAMES.hls}`,
    thumbnails: `${outputPrefix}thumbnails/${OUTPUT_NAMES.thumbnails}`,
  };
  const videoOutput = (rung: PlannedRung, ContainerSettings: Output['ContainerSettings']): Output => ({
    NameModifier: nameModifier(rung),
    ContainerSettings,
    VideoDescription: h264(rung),
    ...(audio ? { AudioDescriptions: [aac(audio)] } : {}),
  });

  const mp4Group: OutputGroup = {
    Name: 'MP4',
    OutputGroupSettings: {
      Type: 'FILE_GROUP_SETTINGS',
      FileGroupSettings: { Destination: destination.mp4 },
    },
    Outputs: [videoOutput(top, { Container: 'MP4', Mp4Settings: { MoovPlacement: 'PROGRESSIVE_DOWNLOAD' } })],
  };

  const hlsGroup: OutputGroup = {
    Name: 'HLS',
    OutputGroupSettings: {
      Type: 'HLS_GROUP_SETTINGS',
      HlsGroupSettings: {
        Destination: destination.hls,
        SegmentLength: 6,
        MinSegmentLength: 0,
        SegmentControl: 'SEGMENTED_FILES',
        DirectoryStructure: 'SINGLE_DIRECTORY',
        OutputSelection: 'MANIFESTS_AND_SEGMENTS',
        ManifestDurationFormat: 'INTEGER',
        CodecSpecification: 'RFC_4281',
        StreamInfResolution: 'INCLUDE',
      },
    },
    Outputs: ladder.map((rung) => videoOutput(rung, { Container: 'M3U8', M3u8Settings: {} })),
  };

  const thumbnailGroup: OutputGroup = {
    Name: 'Thumbnails',
    OutputGroupSettings: {
      Type: 'FILE_GROUP_SETTINGS',
      FileGroupSettings: { Destination: destination.thumbnails },
    },
    Outputs: [
      {
        ContainerSettings: { Container: 'RAW' },
        VideoDescription: {
          Width: thumbnailRung.width,
          Height: thumbnailRung.height,
          CodecSettings: {
            Codec: 'FRAME_CAPTURE',
            FrameCaptureSettings: {
              // One capture every ceil(duration)/count seconds, the first at 0 s: at most `count`.
              FramerateNumerator: thumbnailCount,
              FramerateDenominator: Math.max(1, Math.ceil(metadata.durationSeconds)),
              MaxCaptures: thumbnailCount,
              Quality: 80,
            },
          },
        },
      },
    ],
  };

  const settings: JobSettings = {
    TimecodeConfig: { Source: 'ZEROBASED' },
    Inputs: [
      {
        // The probed version's job-scoped copy: FileInput has no version, the live key may change.
        FileInput: config.pinnedSourceBucket === undefined ? `s3://${source.bucket}/${source.key}` : `s3://${config.pinnedSourceBucket}/${pinnedSourceKey(jobId, source.key)}`,
        TimecodeSource: 'ZEROBASED',
        // AUTO for .mov/.mp4 (MediaConvert applies the display matrix), an explicit quarter turn
        // elsewhere: outputs come out upright at the display size the ladder was planned on.
        VideoSelector: { Rotate: rotation.rotate },
        ...(hasAudio ? { AudioSelectors: { [AUDIO_SELECTOR]: { DefaultSelection: 'DEFAULT' } } } : {}),
      },
    ],
    OutputGroups: OUTPUT_GROUP_ORDER.map((role) => ({ mp4: mp4Group, hls: hlsGroup, thumbnails: thumbnailGroup })[role]),
  };

  const expectedOutputs: ExpectedOutput[] = [
    { kind: 'mp4', uri: `${destination.mp4}${nameModifier(top)}.mp4`, width: top.width, height: top.height, maxBitrate: top.maxBitrate },
    { kind: 'hls-master', uri: `${destination.hls}.m3u8` },
    ...ladder.map((rung): ExpectedOutput => ({
      kind: 'hls-rendition',
      uri: `${destination.hls}${nameModifier(rung)}.m3u8`,
      width: rung.width,
      height: rung.height,
      maxBitrate: rung.maxBitrate,
    })),
    { kind: 'thumbnail', uri: destination.thumbnails, width: thumbnailRung.width, height: thumbnailRung.height },
  ];

  return {
    settings: settings as JobSettings & Record<string, unknown>,
    ladder,
    expectedOutputs,
    thumbnailCount,
    outputPrefix,
    quality: DEFAULT_QUALITY_THRESHOLDS,
  };
}

function assertTranscodable(metadata: MediaMetadata, config: PlanConfig): void {
  const { displayWidth, displayHeight, durationSeconds } = metadata;
  if (!(displayWidth > 0 && displayHeight > 0)) {
    throw new UnsupportedMedia('Source has zero or unknown dimensions', { context: { reason: 'unknown-dimensions', displayWidth, displayHeight } });
  }
  if (!(durationSeconds > 0)) {
    throw new UnsupportedMedia('Source has zero or unknown duration', { context: { reason: 'unknown-duration', durationSeconds } });
  }
  if (durationSeconds > config.maxDurationSeconds) {
    throw new UnsupportedMedia(`Source is longer than the ${config.maxDurationSeconds} s maximum`, {
      context: { reason: 'too-long', durationSeconds, maxDurationSeconds: config.maxDurationSeconds },
    });
  }
}

function nameModifier(rung: PlannedRung): string {
  return `_${rung.shortSide}p`;
}

function h264(rung: PlannedRung): VideoDescription {
  return {
    Width: rung.width,
    Height: rung.height,
    ScalingBehavior: 'DEFAULT',
    CodecSettings: {
      Codec: 'H_264',
      H264Settings: {
        RateControlMode: 'QVBR',
        QvbrSettings: { QvbrQualityLevel: rung.qvbrQualityLevel },
        MaxBitrate: rung.maxBitrate,
        CodecProfile: 'HIGH',
        CodecLevel: 'AUTO',
        // 2 s closed GOPs: segments (6 s) always start on a keyframe, so players can switch rungs.
        GopSize: 2,
        GopSizeUnits: 'SECONDS',
        GopClosedCadence: 1,
        SceneChangeDetect: 'TRANSITION_DETECTION',
        QualityTuningLevel: 'SINGLE_PASS_HQ',
        FramerateControl: 'INITIALIZE_FROM_SOURCE',
        PerFrameMetrics: perFrameMetrics('H_264'),
      },
    },
  };
}

function aac(audio: AudioPlan): AudioDescription {
  return {
    AudioSourceName: AUDIO_SELECTOR,
    // Mono to both sides, 5.1 downmixed to stereo (audio.ts).
    ...(audio.remix ? { RemixSettings: audio.remix } : {}),
    CodecSettings: {
      Codec: 'AAC',
      AacSettings: { Bitrate: 128_000, CodingMode: audio.codingMode, SampleRate: 48_000 },
    },
  };
}
