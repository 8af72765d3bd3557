import type { AudioDescription, JobSettings, Output, OutputGroup, VideoCodecSettings, VideoDescription } from '@aws-sdk/client-mediaconvert';
import { UnsupportedMedia } from '../shared/errors';
import type { OutputGroupRole } from '../shared/output-groups';
import { pinnedSourceKey } from '../shared/pinned-source';
import type { ExpectedOutput, MediaMetadata, SourceRef, TranscodePlan } from '../shared/job';
import { perFrameMetrics } from './frame-metrics';
import { planAudio, type AudioPlan } from './audio';
import { evenFloor, evenRound, planLadder, scaledBitrate, type PlannedRung, type RungCandidate } from './ladder';
import { planRotation } from './rotation';
import { DEFAULT_PROFILE, getProfile, profileQualityThresholds, type EncodingProfile } from './profiles';
import type { AspectSpec, AudioSpec, AutomatedAbrSpec, PackagingSpec, VideoCodec } from './profiles/types';

export interface PlanTranscodeEvent {
  readonly jobId: string;
  readonly source: SourceRef;
  readonly metadata: MediaMetadata;
  /** The job's profile (start-job resolved and checked it); absent: the standard profile. */
  readonly profile?: string;
  /** The caller's pairs, carried into the MediaConvert job's UserMetadata. */
  readonly userMetadata?: Readonly<Record<string, string>>;
  /** Written to UserMetadata.workflow, which job-progress matches (the ASL passes ${WorkflowName}). */
  readonly workflow?: string;
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

/** Output base names: MediaConvert writes `<base><NameModifier>.<ext>` under each destination. */
export const OUTPUT_NAMES = { mp4: 'video', hls: 'master', cmaf: 'master', thumbnails: 'thumb', poster: 'poster' } as const;

/** UserMetadata keys the workflow sets itself; a caller's pair never overrides them. */
export const RESERVED_USER_METADATA_KEYS = ['jobId', 'workflow', 'profile'] as const;

const AUDIO_SELECTOR = 'Audio Selector 1';
/** Below this short side an aspect crop is not worth an output (a 160x90 source gets no 9:16 crop). */
const MIN_CROP_SHORT_SIDE = 64;
/** CMAF fragments: a multiple of GOP size x closed-GOP cadence / frame rate (2 s GOPs, cadence 1). */
const CMAF_FRAGMENT_SECONDS = 2;
const SEGMENT_SECONDS = 6;

/** One video output of the streaming or file groups: a rung of one codec and its name. */
export interface Rendition {
  readonly rung: PlannedRung;
  readonly codec: VideoCodec;
  readonly nameModifier: string;
}

/** The plan's settings are `JobSettings` (tsc checks every field); the state keeps them as JSON. */
export interface TypedTranscodePlan extends TranscodePlan {
  readonly settings: JobSettings & Record<string, unknown>;
  readonly ladder: readonly PlannedRung[];
}

interface PlanContext {
  readonly event: PlanTranscodeEvent;
  readonly profile: EncodingProfile;
  readonly outputPrefix: string;
  readonly hasAudio: boolean;
  /** How the source's audio becomes stereo AAC (audio.ts); undefined without audio. */
  readonly audio: AudioPlan | undefined;
  /** The streaming ladder: every codec's rungs, in profile order. */
  readonly renditions: readonly Rendition[];
}

interface PlannedGroup {
  readonly role: OutputGroupRole;
  readonly group: OutputGroup;
  readonly expected: readonly ExpectedOutput[];
}

/**
 * MediaConvert job settings for one source and one profile (handlers/plan-transcode/profiles),
 * all under `s3://<output>/<jobId>/`: the profile's packaging groups (MP4, HLS, CMAF HLS+DASH,
 * MP4 per aspect) in profile order, then its frame captures. Never upscales: every ladder is
 * capped at the source's display size. Throws UnsupportedMedia for sources we cannot transcode
 * (no size, no or too long duration) and UnknownProfile for a name that is not shipped.
 */
export function planTranscode(event: PlanTranscodeEvent, config: PlanConfig): TypedTranscodePlan {
  const { jobId, source, metadata } = event;
  const profile = getProfile(event.profile ?? DEFAULT_PROFILE);
  assertTranscodable(metadata, config);
  // Both throw UnsupportedMedia for what MediaConvert cannot do (a tilted rotation).
  const rotation = planRotation(metadata);
  const audio = planAudio(metadata);

  const renditions = profile.ladders.flatMap((spec) =>
    planLadder(metadata, spec.rungs).map((rung): Rendition => ({ rung, codec: spec.codec, nameModifier: `${spec.namePrefix}_${rung.shortSide}p` })),
  );
  const ctx: PlanContext = { event, profile, outputPrefix: `s3://${config.outputBucket}/${jobId}/`, hasAudio: audio !== undefined, audio, renditions };
  const abr = profile.options.automatedAbr;
  const streaming = profile.packaging.some((p) => p.type === 'hls' || p.type === 'cmaf');

  const packaged = profile.packaging.map((spec) => packagingGroup(spec, ctx));
  const captures = frameCaptureGroup(ctx, config);
  const groups = [...packaged, captures.planned];

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
        ...(ctx.hasAudio ? { AudioSelectors: { [AUDIO_SELECTOR]: { DefaultSelection: 'DEFAULT' } } } : {}),
      },
    ],
    OutputGroups: groups.map((g) => g.group),
  };

  const accelerated = profile.options.acceleratedFromSeconds !== undefined && metadata.durationSeconds >= profile.options.acceleratedFromSeconds;
  return {
    settings: settings as JobSettings & Record<string, unknown>,
    // The streaming ladder quality control checks. None for MP4-only profiles, and none with
    // Automated ABR, which picks its own renditions.
    ladder: abr !== undefined || !streaming ? [] : renditions.map((r) => (r.codec === 'H_264' ? r.rung : { ...r.rung, codec: r.codec })),
    expectedOutputs: groups.flatMap((g) => g.expected),
    thumbnailCount: captures.count,
    outputPrefix: ctx.outputPrefix,
    profile: profile.name,
    groupRoles: groups.map((g) => g.role),
    accelerationSettings: { Mode: accelerated ? 'PREFERRED' : 'DISABLED' },
    userMetadata: { ...event.userMetadata, jobId, ...(event.workflow !== undefined ? { workflow: event.workflow } : {}), profile: profile.name },
    // The profile's picture-quality floors, which quality control applies to every video output.
    quality: profileQualityThresholds(profile),
  };
}

function packagingGroup(spec: PackagingSpec, ctx: PlanContext): PlannedGroup {
  switch (spec.type) {
    case 'mp4':
      return mp4Group(ctx);
    case 'hls':
      return hlsGroup(ctx);
    case 'cmaf':
      return cmafGroup(ctx);
    case 'mp4-per-aspect':
      return aspectGroup(spec, ctx);
  }
}

function mp4Output(ctx: PlanContext, videoDescription: VideoDescription, nameModifier: string): Output {
  return {
    NameModifier: nameModifier,
    ContainerSettings: { Container: 'MP4', Mp4Settings: { MoovPlacement: 'PROGRESSIVE_DOWNLOAD' } },
    VideoDescription: videoDescription,
    ...(ctx.hasAudio ? { AudioDescriptions: [aac(ctx.profile.audio, ctx.audio)] } : {}),
  };
}

/** A progressive MP4 of the top rung (of the first ladder). */
function mp4Group(ctx: PlanContext): PlannedGroup {
  const top = ctx.renditions[0];
  const destination = `${ctx.outputPrefix}mp4/${OUTPUT_NAMES.mp4}`;
  return {
    role: 'mp4',
    group: {
      Name: 'MP4',
      OutputGroupSettings: { Type: 'FILE_GROUP_SETTINGS', FileGroupSettings: { Destination: destination } },
      Outputs: [mp4Output(ctx, videoDescription(top.codec, top.rung), top.nameModifier)],
    },
    expected: [{ kind: 'mp4', uri: `${destination}${top.nameModifier}.mp4`, width: top.rung.width, height: top.rung.height, maxBitrate: top.rung.maxBitrate }],
  };
}

/** HLS with TS segments, every rendition muxed with the audio. */
function hlsGroup(ctx: PlanContext): PlannedGroup {
  const destination = `${ctx.outputPrefix}hls/${OUTPUT_NAMES.hls}`;
  return {
    role: 'hls',
    group: {
      Name: 'HLS',
      OutputGroupSettings: {
        Type: 'HLS_GROUP_SETTINGS',
        HlsGroupSettings: {
          Destination: destination,
          SegmentLength: SEGMENT_SECONDS,
          MinSegmentLength: 0,
          SegmentControl: 'SEGMENTED_FILES',
          DirectoryStructure: 'SINGLE_DIRECTORY',
          OutputSelection: 'MANIFESTS_AND_SEGMENTS',
          ManifestDurationFormat: 'INTEGER',
          CodecSpecification: 'RFC_4281',
          StreamInfResolution: 'INCLUDE',
        },
      },
      Outputs: ctx.renditions.map((r) => ({
        NameModifier: r.nameModifier,
        ContainerSettings: { Container: 'M3U8', M3u8Settings: {} },
        VideoDescription: videoDescription(r.codec, r.rung),
        ...(ctx.hasAudio ? { AudioDescriptions: [aac(ctx.profile.audio, ctx.audio)] } : {}),
      })),
    },
    expected: [
      { kind: 'hls-master', uri: `${destination}.m3u8` },
      ...ctx.renditions.map((r): ExpectedOutput => ({
        kind: 'hls-rendition',
        uri: `${destination}${r.nameModifier}.m3u8`,
        width: r.rung.width,
        height: r.rung.height,
        maxBitrate: r.rung.maxBitrate,
      })),
    ],
  };
}

/**
 * One CMAF group: fMP4 segments with an HLS and a DASH manifest. Audio is its own output: a
 * CMAF output carries one elementary stream.
 * https://docs.aws.amazon.com/mediaconvert/latest/ug/cmaf-group-settings.html (CMAF output group settings)
 * With Automated ABR the group has one video output without a size, which MediaConvert
 * expands into the renditions it picks.
 * https://docs.aws.amazon.com/mediaconvert/latest/ug/creating-an-automated-abr-stack.html
 */
function cmafGroup(ctx: PlanContext): PlannedGroup {
  const destination = `${ctx.outputPrefix}cmaf/${OUTPUT_NAMES.cmaf}`;
  const abr = ctx.profile.options.automatedAbr;
  const video: Output[] =
    abr !== undefined
      ? [{ NameModifier: '_video', ContainerSettings: { Container: 'CMFC' }, VideoDescription: abrTemplate(abr) }]
      : ctx.renditions.map((r) => ({ NameModifier: r.nameModifier, ContainerSettings: { Container: 'CMFC' }, VideoDescription: videoDescription(r.codec, r.rung) }));
  const audio: Output[] = ctx.hasAudio ? [{ NameModifier: '_audio', ContainerSettings: { Container: 'CMFC' }, AudioDescriptions: [aac(ctx.profile.audio, ctx.audio)] }] : [];
  return {
    role: 'cmaf',
    group: {
      Name: 'CMAF',
      OutputGroupSettings: {
        Type: 'CMAF_GROUP_SETTINGS',
        CmafGroupSettings: {
          Destination: destination,
          SegmentLength: SEGMENT_SECONDS,
          FragmentLength: CMAF_FRAGMENT_SECONDS,
          SegmentControl: 'SEGMENTED_FILES',
          WriteHlsManifest: 'ENABLED',
          WriteDashManifest: 'ENABLED',
          MpdProfile: 'MAIN_PROFILE',
          ManifestDurationFormat: 'INTEGER',
          CodecSpecification: 'RFC_6381',
          StreamInfResolution: 'INCLUDE',
        },
      },
      ...(abr !== undefined
        ? { AutomatedEncodingSettings: { AbrSettings: { MaxRenditions: abr.maxRenditions, MinAbrBitrate: abr.minAbrBitrate, MaxAbrBitrate: abr.maxAbrBitrate, MaxQualityLevel: abr.maxQualityLevel } } }
        : {}),
      Outputs: [...video, ...audio],
    },
    expected: [
      { kind: 'hls-master', uri: `${destination}.m3u8` },
      { kind: 'dash-manifest', uri: `${destination}.mpd` },
      ...(abr !== undefined
        ? []
        : ctx.renditions.map((r): ExpectedOutput => ({
            kind: 'hls-rendition',
            uri: `${destination}${r.nameModifier}.m3u8`,
            width: r.rung.width,
            height: r.rung.height,
            maxBitrate: r.rung.maxBitrate,
          }))),
      ...(ctx.hasAudio ? [{ kind: 'audio-rendition' as const, uri: `${destination}_audio.m3u8` }] : []),
    ],
  };
}

/** One MP4 per aspect, each a center crop (ScalingBehavior FILL) that never upscales. */
function aspectGroup(spec: Extract<PackagingSpec, { type: 'mp4-per-aspect' }>, ctx: PlanContext): PlannedGroup {
  const destination = `${ctx.outputPrefix}mp4/${OUTPUT_NAMES.mp4}`;
  const crops = aspectCrops(ctx.event.metadata, spec.aspects, spec.maxShortSide, spec.rung);
  return {
    role: 'mp4',
    group: {
      Name: 'MP4',
      OutputGroupSettings: { Type: 'FILE_GROUP_SETTINGS', FileGroupSettings: { Destination: destination } },
      Outputs: crops.map((c) => mp4Output(ctx, videoDescription('H_264', c.rung, 'FILL'), c.nameModifier)),
    },
    expected: crops.map((c): ExpectedOutput => ({ kind: 'mp4', uri: `${destination}${c.nameModifier}.mp4`, width: c.rung.width, height: c.rung.height, maxBitrate: c.rung.maxBitrate })),
  };
}

/**
 * The largest crop of each aspect inside the source's display size, scaled down to
 * `maxShortSide` (even sides). Aspects whose crop is under MIN_CROP_SHORT_SIDE are skipped,
 * except the one closest to the source's own aspect, so there is always at least one MP4.
 */
export function aspectCrops(
  metadata: Pick<MediaMetadata, 'displayWidth' | 'displayHeight'>,
  aspects: readonly AspectSpec[],
  maxShortSide: number,
  rung: RungCandidate,
): { aspect: string; nameModifier: string; rung: PlannedRung }[] {
  const { displayWidth: w, displayHeight: h } = metadata;
  const source = w / h;
  const closest = [...aspects].sort((a, b) => Math.abs(Math.log(a.width / a.height / source)) - Math.abs(Math.log(b.width / b.height / source)))[0];
  return aspects.flatMap((aspect) => {
    const ratio = aspect.width / aspect.height;
    const cropWidth = source > ratio ? h * ratio : w;
    const cropHeight = source > ratio ? h : w / ratio;
    const cropShort = Math.min(cropWidth, cropHeight);
    if (cropShort < MIN_CROP_SHORT_SIDE && aspect !== closest) return [];
    const short = evenFloor(Math.min(maxShortSide, cropShort));
    const long = Math.min(evenFloor(Math.max(cropWidth, cropHeight)), evenRound(short * Math.max(ratio, 1 / ratio)));
    const [width, height] = ratio >= 1 ? [long, short] : [short, long];
    const maxBitrate = scaledBitrate(rung.maxBitrate, (width * height) / (rung.shortSide * evenRound((rung.shortSide * 16) / 9)));
    return [{ aspect: aspect.name, nameModifier: `_${aspect.name}`, rung: { shortSide: short, width, height, maxBitrate, qvbrQualityLevel: rung.qvbrQualityLevel } }];
  });
}

/** Thumbnails (one per THUMBNAIL_INTERVAL_SECONDS, at most MAX_THUMBNAILS) or one poster frame. */
function frameCaptureGroup(ctx: PlanContext, config: PlanConfig): { planned: PlannedGroup; count: number } {
  const { metadata } = ctx.event;
  const spec = ctx.profile.frameCaptures;
  const poster = spec.type === 'poster';
  const count = poster ? 1 : Math.min(config.maxThumbnails, Math.max(1, Math.floor(metadata.durationSeconds / config.thumbnailIntervalSeconds)));
  const size =
    ctx.renditions.find((r) => r.rung.shortSide <= spec.maxShortSide)?.rung ??
    planLadder(metadata, [{ shortSide: spec.maxShortSide, maxBitrate: 1, qvbrQualityLevel: 1 }])[0];
  const destination = poster ? `${ctx.outputPrefix}poster/${OUTPUT_NAMES.poster}` : `${ctx.outputPrefix}thumbnails/${OUTPUT_NAMES.thumbnails}`;
  return {
    count,
    planned: {
      role: 'thumbnails',
      group: {
        Name: poster ? 'Poster' : 'Thumbnails',
        OutputGroupSettings: { Type: 'FILE_GROUP_SETTINGS', FileGroupSettings: { Destination: destination } },
        Outputs: [
          {
            ContainerSettings: { Container: 'RAW' },
            VideoDescription: {
              Width: size.width,
              Height: size.height,
              CodecSettings: {
                Codec: 'FRAME_CAPTURE',
                FrameCaptureSettings: {
                  // One capture every ceil(duration)/count seconds, the first at 0 s: at most `count`.
                  FramerateNumerator: count,
                  FramerateDenominator: Math.max(1, Math.ceil(metadata.durationSeconds)),
                  MaxCaptures: count,
                  Quality: 80,
                },
              },
            },
          },
        ],
      },
      expected: [{ kind: 'thumbnail', uri: destination, width: size.width, height: size.height }],
    },
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

type Scaling = 'DEFAULT' | 'FILL';

/** A sized video output of either codec. */
function videoDescription(codec: VideoCodec, rung: PlannedRung, scaling: Scaling = 'DEFAULT'): VideoDescription {
  const rate = { qvbrQualityLevel: rung.qvbrQualityLevel, maxBitrate: rung.maxBitrate };
  return {
    Width: rung.width,
    Height: rung.height,
    ScalingBehavior: scaling,
    CodecSettings: codec === 'H_265' ? h265(rate, 'SINGLE_PASS_HQ') : h264(rate, 'SINGLE_PASS_HQ'),
  };
}

/**
 * The Automated ABR base output: no size (MediaConvert picks each rendition's), QVBR and
 * MULTI_PASS_HQ as the feature requires, no per-output MaxBitrate (the group's MaxAbrBitrate
 * bounds the stack).
 * https://docs.aws.amazon.com/mediaconvert/latest/ug/feature-restrictions-for-automated-abr.html
 */
function abrTemplate(abr: AutomatedAbrSpec): VideoDescription {
  return { ScalingBehavior: 'DEFAULT', CodecSettings: abr.codec === 'H_265' ? h265({}, 'MULTI_PASS_HQ') : h264({}, 'MULTI_PASS_HQ') };
}

interface RateSpec {
  readonly qvbrQualityLevel?: number;
  readonly maxBitrate?: number;
}
type Tuning = 'SINGLE_PASS_HQ' | 'MULTI_PASS_HQ';

/** QVBR with the rung's level and ceiling (either may be absent: the Automated ABR template). */
function rateControl(rate: RateSpec) {
  return {
    RateControlMode: 'QVBR' as const,
    ...(rate.qvbrQualityLevel !== undefined ? { QvbrSettings: { QvbrQualityLevel: rate.qvbrQualityLevel } } : {}),
    ...(rate.maxBitrate !== undefined ? { MaxBitrate: rate.maxBitrate } : {}),
  };
}

/**
 * What every encode shares, whatever the codec: 2 s closed GOPs (segments, 6 s, always start on a
 * keyframe, so players can switch rungs), scene-change detection, the source's frame rate, and
 * the per-frame quality reports quality control gates every rung on (frame-metrics.ts).
 */
function encoding(codec: VideoCodec, tuning: Tuning) {
  return {
    GopSize: 2,
    GopSizeUnits: 'SECONDS' as const,
    GopClosedCadence: 1,
    SceneChangeDetect: 'TRANSITION_DETECTION' as const,
    QualityTuningLevel: tuning,
    FramerateControl: 'INITIALIZE_FROM_SOURCE' as const,
    PerFrameMetrics: perFrameMetrics(codec),
  };
}

/** Every H.264 encode the planner asks for is built here. */
function h264(rate: RateSpec, tuning: Tuning): VideoCodecSettings {
  return { Codec: 'H_264', H264Settings: { ...rateControl(rate), CodecProfile: 'HIGH', CodecLevel: 'AUTO', ...encoding('H_264', tuning) } };
}

/**
 * Every HEVC encode the planner asks for is built here. Main profile, main tier, level AUTO:
 * MediaConvert picks the level from size and frame rate (2160p60 needs level 5.1, whose main
 * tier allows 40 Mb/s, above every rung's MaxBitrate). HVC1 packaging: Apple players require
 * the `hvc1` sample entry for HEVC in fMP4.
 * https://docs.aws.amazon.com/mediaconvert/latest/apireference/jobs.html#jobs-model-h265settings (H265Settings)
 * https://developer.apple.com/documentation/http-live-streaming/hls-authoring-specification-for-apple-devices
 */
function h265(rate: RateSpec, tuning: Tuning): VideoCodecSettings {
  return {
    Codec: 'H_265',
    H265Settings: { ...rateControl(rate), CodecProfile: 'MAIN_MAIN', CodecLevel: 'AUTO', ...encoding('H_265', tuning), WriteMp4PackagingType: 'HVC1' },
  };
}

/** The profile's AAC (bit rate, sample rate) with the source's channel handling (audio.ts). */
function aac(spec: AudioSpec, audio: AudioPlan | undefined): AudioDescription {
  return {
    AudioSourceName: AUDIO_SELECTOR,
    // Mono to both sides, 5.1 downmixed to stereo (audio.ts).
    ...(audio?.remix ? { RemixSettings: audio.remix } : {}),
    CodecSettings: {
      Codec: 'AAC',
      AacSettings: { Bitrate: spec.bitrate, CodingMode: audio?.codingMode ?? 'CODING_MODE_2_0', SampleRate: spec.sampleRate },
    },
  };
}
