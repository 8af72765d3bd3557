import type { JobSettings } from '@aws-sdk/client-mediaconvert';
import {
  billedMs,
  billedOutputMinutes,
  billedOutputs,
  frameRateTier,
  gbSeconds,
  minutesByDimension,
  orchestrationCost,
  pricingTier,
  resolutionClass,
} from '../../bench/cost';
import { PRICES } from '../../bench/prices';
import { planTranscode } from '../../handlers/plan-transcode/plan';
import type { MediaMetadata } from '../../handlers/shared/job';

function metadata(width: number, height: number, overrides: Partial<MediaMetadata> = {}): MediaMetadata {
  return {
    container: 'MPEG-4',
    durationSeconds: 600,
    width,
    height,
    displayWidth: width,
    displayHeight: height,
    displayAspectRatio: width / height,
    rotation: 0,
    frameRate: 30,
    videoCodec: 'AVC',
    audioTrackCount: 1,
    bytesRead: 0,
    ...overrides,
  };
}

function plan(width: number, height: number, overrides: Partial<MediaMetadata> = {}) {
  return planTranscode(
    { jobId: '0123456789abcdef0123456789abcdef', source: { bucket: 'src', key: 'uploads/a.mp4', etag: 'e', size: 1 }, metadata: metadata(width, height, overrides) },
    { outputBucket: 'out', maxDurationSeconds: 43_200, thumbnailIntervalSeconds: 10, maxThumbnails: 10 },
  );
}

describe('Lambda billing', () => {
  it('rounds measured time up to the next millisecond, at least 1 ms', () => {
    // Act / Assess
    expect(billedMs(0.2)).toBe(1);
    expect(billedMs(12.01)).toBe(13);
    expect(billedMs(12)).toBe(12);
  });

  it('computes GB-seconds from memory in MB (1024 MB = 1 GB) and billed time', () => {
    // Act / Assess
    expect(gbSeconds(1024, 999.2)).toBeCloseTo(1, 10);
    expect(gbSeconds(512, 100)).toBeCloseTo(0.05, 10);
  });
});

describe('orchestrationCost', () => {
  it('prices transitions, requests, duration, write and read units per 1,000 videos at list price', () => {
    // Prepare
    const use = {
      transitions: 9,
      lambdas: [
        { name: 'extract-metadata', memoryMb: 1024, ms: 1000 },
        { name: 'publish', memoryMb: 512, ms: 200 },
      ],
      dynamoWrites: 4,
      writeUnitsPerWrite: 2,
      indexWriteUnits: 12,
      dynamoReads: 1,
    };

    // Act
    const cost = orchestrationCost(use);

    // Assess
    expect(cost.stepFunctions).toBeCloseTo(9 * 0.025, 10);
    expect(cost.lambdaRequests).toBeCloseTo(2 * 1_000 * (0.2 / 1_000_000), 12);
    expect(cost.gbSeconds).toBeCloseTo(1 + 0.1, 10);
    expect(cost.lambdaDuration).toBeCloseTo(1.1 * PRICES.lambdaArmPerGbSecond * 1_000, 12);
    expect(cost.writeUnits).toBe(4 * 2 + 12);
    expect(cost.dynamoWrites).toBeCloseTo(20 * 1_000 * (1.25 / 1_000_000), 12);
    expect(cost.dynamoReads).toBeCloseTo(1_000 * (0.25 / 1_000_000), 12);
    expect(cost.total).toBeCloseTo(cost.stepFunctions + cost.lambdaRequests + cost.lambdaDuration + cost.dynamoWrites + cost.dynamoReads, 12);
  });
});

describe('MediaConvert pricing dimensions', () => {
  it('classifies SD below 1280x720, HD up to 1920x1080, UHD above, portrait like landscape', () => {
    // Act / Assess
    expect(resolutionClass(960, 540)).toBe('SD');
    expect(resolutionClass(1280, 720)).toBe('HD');
    expect(resolutionClass(1080, 1920)).toBe('HD');
    expect(resolutionClass(1920, 1080)).toBe('HD');
    expect(resolutionClass(3840, 2160)).toBe('UHD');
  });

  it('puts 30 fps in the lowest frame-rate tier and 60 fps in the next', () => {
    // Act / Assess
    expect(frameRateTier(29.97)).toBe('<=30fps');
    expect(frameRateTier(30)).toBe('<=30fps');
    expect(frameRateTier(59.94)).toBe('>30fps<=60fps');
    expect(frameRateTier(120)).toBe('>60fps');
  });

  it('counts single-pass AVC as Basic and multi-pass HQ AVC or HEVC as Professional', () => {
    // Act / Assess
    expect(pricingTier({ CodecSettings: { Codec: 'H_264', H264Settings: { RateControlMode: 'QVBR', QualityTuningLevel: 'SINGLE_PASS_HQ' } } })).toBe('Basic');
    expect(pricingTier({ CodecSettings: { Codec: 'H_264', H264Settings: { QualityTuningLevel: 'MULTI_PASS_HQ' } } })).toBe('Professional');
    expect(pricingTier({ CodecSettings: { Codec: 'H_265' } })).toBe('Professional');
  });

  it('bills each output in whole seconds with a 10 s minimum', () => {
    // Act / Assess
    expect(billedOutputMinutes(600)).toBe(10);
    expect(billedOutputMinutes(3)).toBeCloseTo(10 / 60, 10);
    expect(billedOutputMinutes(61.2)).toBeCloseTo(62 / 60, 10);
  });

  it('bills every output of the 1080p30 plan: MP4 + 5 HLS rungs + frame capture, none above the source', () => {
    // Prepare
    const p = plan(1920, 1080);

    // Act
    const outputs = billedOutputs(p.settings, { durationSeconds: 600, frameRate: 30 });

    // Assess
    expect(outputs.map((o) => [o.name, o.kind, o.width, o.height, o.tier, o.resolution])).toEqual([
      ['MP4_1080p', 'video', 1920, 1080, 'Basic', 'HD'],
      ['HLS_1080p', 'video', 1920, 1080, 'Basic', 'HD'],
      ['HLS_720p', 'video', 1280, 720, 'Basic', 'HD'],
      ['HLS_540p', 'video', 960, 540, 'Basic', 'SD'],
      ['HLS_360p', 'video', 640, 360, 'Basic', 'SD'],
      ['HLS_270p', 'video', 480, 270, 'Basic', 'SD'],
      ['Thumbnails#1', 'frame-capture', 1280, 720, undefined, 'HD'],
    ]);
    expect(minutesByDimension(outputs)).toEqual({ 'Basic HD <=30fps': 30, 'Basic SD <=30fps': 30, 'frame capture (HD)': 10 });
  });

  it('never plans an output above a 720p source, and counts audio-only outputs apart', () => {
    // Prepare
    const p = plan(1280, 720);
    const withAudioOnly: JobSettings = {
      OutputGroups: [...(p.settings.OutputGroups ?? []), { Name: 'Audio', Outputs: [{ NameModifier: '_aac', AudioDescriptions: [{ CodecSettings: { Codec: 'AAC' } }] }] }],
    };

    // Act
    const outputs = billedOutputs(withAudioOnly, { durationSeconds: 600, frameRate: 25 });

    // Assess
    expect(outputs.filter((o) => o.kind !== 'audio-only').every((o) => o.width! <= 1280 && o.height! <= 720)).toBe(true);
    expect(minutesByDimension(outputs)).toEqual({ 'Basic HD <=30fps': 20, 'Basic SD <=30fps': 30, 'frame capture (HD)': 10, 'audio-only': 10 });
  });
});
