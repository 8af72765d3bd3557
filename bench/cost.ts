import type { JobSettings, Output, VideoDescription } from '@aws-sdk/client-mediaconvert';
import { PRICES } from './prices';

// ---------------------------------------------------------------------------------------------
// Orchestration (Step Functions, Lambda, DynamoDB) per video
// ---------------------------------------------------------------------------------------------

/** Lambda bills duration rounded up to the next millisecond. */
export function billedMs(measuredMs: number): number {
  return Math.max(1, Math.ceil(measuredMs));
}

/** GB-seconds of one invocation: configured memory (GB, 1024 MB = 1 GB) x billed duration. */
export function gbSeconds(memoryMb: number, measuredMs: number): number {
  return (memoryMb / 1024) * (billedMs(measuredMs) / 1000);
}

export interface LambdaUse {
  readonly name: string;
  readonly memoryMb: number;
  /** Measured handler time of one invocation (median). */
  readonly ms: number;
}

export interface OrchestrationUse {
  readonly transitions: number;
  readonly lambdas: readonly LambdaUse[];
  /** Write requests to the table (base table only). */
  readonly dynamoWrites: number;
  /** Write units per request (item size / 1 KB, rounded up). */
  readonly writeUnitsPerWrite: number;
  /** Extra write units the status index (projection ALL) costs on those writes. */
  readonly indexWriteUnits: number;
  readonly dynamoReads: number;
}

export interface OrchestrationCost {
  readonly stepFunctions: number;
  readonly lambdaRequests: number;
  readonly lambdaDuration: number;
  readonly dynamoWrites: number;
  readonly dynamoReads: number;
  readonly total: number;
  readonly gbSeconds: number;
  readonly writeUnits: number;
}

/** USD for `videos` successful videos at list price (PRICES). */
export function orchestrationCost(use: OrchestrationUse, videos = 1_000): OrchestrationCost {
  const gbs = use.lambdas.reduce((sum, l) => sum + gbSeconds(l.memoryMb, l.ms), 0);
  const writeUnits = use.dynamoWrites * use.writeUnitsPerWrite + use.indexWriteUnits;
  const stepFunctions = use.transitions * PRICES.stepFunctionsPerStateTransition * videos;
  const lambdaRequests = use.lambdas.length * PRICES.lambdaPerRequest * videos;
  const lambdaDuration = gbs * PRICES.lambdaArmPerGbSecond * videos;
  const dynamoWrites = writeUnits * PRICES.dynamoPerWriteRequestUnit * videos;
  const dynamoReads = use.dynamoReads * PRICES.dynamoPerReadRequestUnit * videos;
  return {
    stepFunctions,
    lambdaRequests,
    lambdaDuration,
    dynamoWrites,
    dynamoReads,
    total: stepFunctions + lambdaRequests + lambdaDuration + dynamoWrites + dynamoReads,
    gbSeconds: gbs,
    writeUnits,
  };
}

// ---------------------------------------------------------------------------------------------
// MediaConvert output minutes by pricing dimension
// ---------------------------------------------------------------------------------------------

export type ResolutionClass = 'SD' | 'HD' | 'UHD';
export type FrameRateTier = '<=30fps' | '>30fps<=60fps' | '>60fps';
export type PricingTier = 'Basic' | 'Professional';

/**
 * MediaConvert's resolution classes: SD below 720p, HD 720p to 1080p, UHD above. Judged on the
 * pixel count against 1280x720 and 1920x1080 so that a portrait 1080x1920 rendition counts as
 * HD like its landscape twin (an assumption: the pricing page speaks of "720p" and "1080p").
 */
export function resolutionClass(width: number, height: number): ResolutionClass {
  const pixels = width * height;
  if (pixels < 1280 * 720) return 'SD';
  if (pixels <= 1920 * 1080) return 'HD';
  return 'UHD';
}

export function frameRateTier(fps: number): FrameRateTier {
  if (fps <= 30) return '<=30fps';
  if (fps <= 60) return '>30fps<=60fps';
  return '>60fps';
}

/**
 * The pricing page: "The Basic tier ... supports outputs with the AVC codec and speed-optimized
 * or balanced single-pass encoding" (SINGLE_PASS, SINGLE_PASS_HQ); multi-pass HQ AVC and other
 * codecs are Professional. The page does not list the rate control mode (QVBR, VBR, CBR) as a
 * tier criterion, so QVBR single-pass AVC is taken as Basic tier (assumption, see
 * docs/performance.md).
 */
export function pricingTier(video: VideoDescription): PricingTier {
  const codec = video.CodecSettings?.Codec;
  if (codec === 'H_264') return video.CodecSettings?.H264Settings?.QualityTuningLevel === 'MULTI_PASS_HQ' ? 'Professional' : 'Basic';
  if (codec === 'VP8' || codec === 'VP9') return 'Basic';
  return 'Professional';
}

/** Each output is billed for its own duration in 1 s increments, with a 10 s minimum. */
export function billedOutputMinutes(durationSeconds: number): number {
  return Math.max(10, Math.ceil(durationSeconds)) / 60;
}

export type OutputKind = 'video' | 'audio-only' | 'frame-capture';

export interface BilledOutput {
  readonly group: string;
  readonly name: string;
  readonly kind: OutputKind;
  readonly width?: number;
  readonly height?: number;
  readonly tier?: PricingTier;
  readonly resolution?: ResolutionClass;
  readonly frameRate?: FrameRateTier;
  readonly minutes: number;
}

/**
 * One line per output of the job settings with the minutes MediaConvert bills for it. Frame
 * rates follow the source (the plan uses FramerateControl INITIALIZE_FROM_SOURCE).
 */
export function billedOutputs(settings: JobSettings, source: { durationSeconds: number; frameRate: number }): BilledOutput[] {
  const minutes = billedOutputMinutes(source.durationSeconds);
  return (settings.OutputGroups ?? []).flatMap((group) =>
    (group.Outputs ?? []).map((output: Output, index): BilledOutput => {
      const name = `${group.Name ?? 'group'}${output.NameModifier ?? `#${index + 1}`}`;
      const video = output.VideoDescription;
      if (video === undefined) return { group: group.Name ?? '', name, kind: 'audio-only', minutes };
      const width = video.Width ?? 0;
      const height = video.Height ?? 0;
      if (video.CodecSettings?.Codec === 'FRAME_CAPTURE') {
        return { group: group.Name ?? '', name, kind: 'frame-capture', width, height, resolution: resolutionClass(width, height), minutes };
      }
      return {
        group: group.Name ?? '',
        name,
        kind: 'video',
        width,
        height,
        tier: pricingTier(video),
        resolution: resolutionClass(width, height),
        frameRate: frameRateTier(source.frameRate),
        minutes,
      };
    }),
  );
}

/** The pricing dimension of one output: `Basic HD <=30fps`, `frame capture (HD)` or `audio-only`. */
export function pricingDimension(o: BilledOutput): string {
  return o.kind === 'video' ? `${o.tier} ${o.resolution} ${o.frameRate}` : o.kind === 'frame-capture' ? `frame capture (${o.resolution})` : 'audio-only';
}

/** Minutes summed per pricing dimension, e.g. `Basic HD <=30fps` -> 20. */
export function minutesByDimension(outputs: readonly BilledOutput[]): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const o of outputs) {
    const key = pricingDimension(o);
    totals[key] = (totals[key] ?? 0) + o.minutes;
  }
  return totals;
}
