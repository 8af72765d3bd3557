import type { JobSettings } from '@aws-sdk/client-mediaconvert';
import { handler } from '../../handlers/plan-transcode/index';
import { planLadder } from '../../handlers/plan-transcode/ladder';
import { planTranscode, type PlanConfig } from '../../handlers/plan-transcode/plan';
import { ConfigurationError, MalformedEvent, UnsupportedMedia } from '../../handlers/shared/errors';
import type { MediaMetadata, SourceRef } from '../../handlers/shared/job';
import { logger } from '../../handlers/shared/logger';
import { syntheticMetadata } from '../fixtures/plan-cases';

const JOB_ID = '0123456789abcdef0123456789abcdef';
const SOURCE: SourceRef = { bucket: 'source-bucket', key: 'uploads/clip.mov', etag: '"e"', size: 1_000_000 };
const CONFIG: PlanConfig = { outputBucket: 'output-bucket', maxDurationSeconds: 43_200, thumbnailIntervalSeconds: 10, maxThumbnails: 10 };

/** A probed source; display size follows the rotation like extract-metadata computes it. */
const metadata = syntheticMetadata;

type Settings = JobSettings;
const hlsOutputs = (s: Settings) => s.OutputGroups?.find((g) => g.OutputGroupSettings?.Type === 'HLS_GROUP_SETTINGS')?.Outputs ?? [];
const mp4Output = (s: Settings) => s.OutputGroups?.find((g) => g.Name === 'MP4')?.Outputs?.[0];
const thumbnailOutput = (s: Settings) => s.OutputGroups?.find((g) => g.Name === 'Thumbnails')?.Outputs?.[0];

const MATRIX: ReadonlyArray<[string, MediaMetadata, string[]]> = [
  ['4K 3840x2160', metadata(3840, 2160), ['1920x1080', '1280x720', '960x540', '640x360', '480x270']],
  ['1080p 1920x1080', metadata(1920, 1080), ['1920x1080', '1280x720', '960x540', '640x360', '480x270']],
  ['720p 1280x720', metadata(1280, 720), ['1280x720', '960x540', '640x360', '480x270']],
  ['480p 854x480', metadata(854, 480), ['854x480', '640x360', '480x270']],
  ['portrait 1080x1920', metadata(1080, 1920), ['1080x1920', '720x1280', '540x960', '360x640', '270x480']],
  ['no audio 1280x720', metadata(1280, 720, { audioTrackCount: 0, audioCodec: undefined }), ['1280x720', '960x540', '640x360', '480x270']],
  ['odd 1278x718', metadata(1278, 718), ['1278x718', '962x540', '640x360', '480x270']],
  ['tiny 160x90', metadata(160, 90), ['160x90']],
  ['rotated 1920x1080 (rotation 90)', metadata(1920, 1080, { rotation: 90 }), ['1080x1920', '720x1280', '540x960', '360x640', '270x480']],
];

beforeAll(() => logger.setLogLevel('SILENT'));

describe('planLadder / planTranscode matrix', () => {
  it.each(MATRIX)('%s', (_name, source, expectedLadder) => {
    // Act
    const plan = planTranscode({ jobId: JOB_ID, source: SOURCE, metadata: source }, CONFIG);
    const settings: JobSettings = plan.settings;

    // Assess: the ladder itself
    expect(plan.ladder.map((r) => `${r.width}x${r.height}`)).toEqual(expectedLadder);
    const portrait = source.displayHeight > source.displayWidth;
    const aspect = Math.max(source.displayAspectRatio, 1 / source.displayAspectRatio);
    for (const rung of plan.ladder) {
      expect(rung.width).toBeLessThanOrEqual(source.displayWidth);
      expect(rung.height).toBeLessThanOrEqual(source.displayHeight);
      expect(rung.width % 2).toBe(0);
      expect(rung.height % 2).toBe(0);
      expect(rung.width < rung.height).toBe(portrait);
      const [short, long] = portrait ? [rung.width, rung.height] : [rung.height, rung.width];
      expect(Math.abs(long - short * aspect)).toBeLessThanOrEqual(1);
      expect(rung.maxBitrate).toBeGreaterThan(0);
    }
    expect(Math.min(plan.ladder[0].width, plan.ladder[0].height)).toBeLessThanOrEqual(1080);

    // Assess: the MediaConvert settings carry exactly that ladder
    const hls = hlsOutputs(settings);
    expect(hls.map((o) => `${o.VideoDescription?.Width}x${o.VideoDescription?.Height}`)).toEqual(expectedLadder);
    expect(hls.map((o) => o.VideoDescription?.CodecSettings?.H264Settings?.RateControlMode)).toEqual(expectedLadder.map(() => 'QVBR'));
    expect(mp4Output(settings)?.VideoDescription).toMatchObject({ Width: plan.ladder[0].width, Height: plan.ladder[0].height });
    expect(settings.Inputs?.[0].VideoSelector?.Rotate).toBe('AUTO');

    const hasAudio = source.audioTrackCount > 0;
    expect(settings.Inputs?.[0].AudioSelectors !== undefined).toBe(hasAudio);
    for (const output of [...hls, mp4Output(settings)]) {
      expect(output?.AudioDescriptions !== undefined).toBe(hasAudio);
    }
    expect(thumbnailOutput(settings)?.AudioDescriptions).toBeUndefined();
    expect(JSON.stringify(settings).length).toBeLessThan(20_000);
  });

  it('builds the full settings for a 720p source with audio', () => {
    // Act
    const plan = planTranscode({ jobId: JOB_ID, source: SOURCE, metadata: metadata(1280, 720) }, { ...CONFIG, pinnedSourceBucket: 'archive-bucket' });

    // Assess
    expect(plan.outputPrefix).toBe(`s3://output-bucket/${JOB_ID}/`);
    expect(plan.settings.Inputs).toEqual([
      {
        // The job-scoped copy PinSource makes of the probed version, never the live key.
        FileInput: `s3://archive-bucket/work/${JOB_ID}/source.mov`,
        TimecodeSource: 'ZEROBASED',
        VideoSelector: { Rotate: 'AUTO' },
        AudioSelectors: { 'Audio Selector 1': { DefaultSelection: 'DEFAULT' } },
      },
    ]);
    expect(plan.settings.OutputGroups?.map((g) => g.OutputGroupSettings)).toEqual([
      { Type: 'FILE_GROUP_SETTINGS', FileGroupSettings: { Destination: `s3://output-bucket/${JOB_ID}/mp4/video` } },
      expect.objectContaining({ Type: 'HLS_GROUP_SETTINGS', HlsGroupSettings: expect.objectContaining({ Destination: `s3://output-bucket/${JOB_ID}/hls/master`, SegmentLength: 6 }) }),
      { Type: 'FILE_GROUP_SETTINGS', FileGroupSettings: { Destination: `s3://output-bucket/${JOB_ID}/thumbnails/thumb` } },
    ]);
    expect(hlsOutputs(plan.settings)[0]).toEqual({
      NameModifier: '_720p',
      ContainerSettings: { Container: 'M3U8', M3u8Settings: {} },
      VideoDescription: {
        Width: 1280,
        Height: 720,
        ScalingBehavior: 'DEFAULT',
        CodecSettings: {
          Codec: 'H_264',
          H264Settings: expect.objectContaining({ RateControlMode: 'QVBR', QvbrSettings: { QvbrQualityLevel: 7 }, MaxBitrate: 3_500_000, GopSize: 2, GopSizeUnits: 'SECONDS' }),
        },
      },
      AudioDescriptions: [{ AudioSourceName: 'Audio Selector 1', CodecSettings: { Codec: 'AAC', AacSettings: { Bitrate: 128_000, CodingMode: 'CODING_MODE_2_0', SampleRate: 48_000 } } }],
    });
    expect(plan.expectedOutputs).toEqual([
      { kind: 'mp4', uri: `s3://output-bucket/${JOB_ID}/mp4/video_720p.mp4`, width: 1280, height: 720, maxBitrate: 3_500_000 },
      { kind: 'hls-master', uri: `s3://output-bucket/${JOB_ID}/hls/master.m3u8` },
      { kind: 'hls-rendition', uri: `s3://output-bucket/${JOB_ID}/hls/master_720p.m3u8`, width: 1280, height: 720, maxBitrate: 3_500_000 },
      { kind: 'hls-rendition', uri: `s3://output-bucket/${JOB_ID}/hls/master_540p.m3u8`, width: 960, height: 540, maxBitrate: 2_000_000 },
      { kind: 'hls-rendition', uri: `s3://output-bucket/${JOB_ID}/hls/master_360p.m3u8`, width: 640, height: 360, maxBitrate: 1_000_000 },
      { kind: 'hls-rendition', uri: `s3://output-bucket/${JOB_ID}/hls/master_270p.m3u8`, width: 480, height: 270, maxBitrate: 600_000 },
      { kind: 'thumbnail', uri: `s3://output-bucket/${JOB_ID}/thumbnails/thumb`, width: 1280, height: 720 },
    ]);
  });

  it('keeps portrait rungs for a rotated phone video and plans on its display size', () => {
    // Act
    const ladder = planLadder({ displayWidth: 1080, displayHeight: 1920, displayAspectRatio: 0.5625 });

    // Assess
    expect(ladder.every((r) => r.width < r.height)).toBe(true);
    expect(ladder[0]).toEqual({ shortSide: 1080, width: 1080, height: 1920, maxBitrate: 6_000_000, qvbrQualityLevel: 8 });
  });

  it('gives a source-size top rung the next larger rung\'s bitrate scaled by pixel count', () => {
    // Act
    const ladder = planLadder({ displayWidth: 854, displayHeight: 480, displayAspectRatio: 1.7792 });

    // Assess: 2 Mb/s * (480/540)^2 = 1.58 Mb/s, rounded up to 50 kb/s
    expect(ladder[0]).toEqual({ shortSide: 480, width: 854, height: 480, maxBitrate: 1_600_000, qvbrQualityLevel: 7 });
  });
});

describe('thumbnails', () => {
  it.each([
    [0.5, 1, 1],
    [35, 3, 35],
    [95, 9, 95],
    [3600, 10, 3600],
  ])('a %s s source gets %s thumbnails', (durationSeconds, count, denominator) => {
    // Act
    const plan = planTranscode({ jobId: JOB_ID, source: SOURCE, metadata: metadata(1280, 720, { durationSeconds }) }, CONFIG);

    // Assess
    expect(plan.thumbnailCount).toBe(count);
    expect(thumbnailOutput(plan.settings)?.VideoDescription?.CodecSettings).toEqual({
      Codec: 'FRAME_CAPTURE',
      FrameCaptureSettings: { FramerateNumerator: count, FramerateDenominator: denominator, MaxCaptures: count, Quality: 80 },
    });
    // Captures at 0, d/n, 2d/n, ... (d = ceil(duration)): never more than `count` inside the video.
    expect(Math.ceil(durationSeconds / (denominator / count))).toBeLessThanOrEqual(count);
  });
});

describe('rejections', () => {
  it.each([
    ['zero dimensions', metadata(0, 0), 'zero or unknown dimensions'],
    ['zero duration', metadata(1280, 720, { durationSeconds: 0 }), 'zero or unknown duration'],
    ['longer than 12 h', metadata(1280, 720, { durationSeconds: 12 * 3600 + 1 }), 'longer than the 43200 s maximum'],
  ])('%s -> UnsupportedMedia', (_name, source, message) => {
    // Act
    const act = () => planTranscode({ jobId: JOB_ID, source: SOURCE, metadata: source }, CONFIG);

    // Assess
    expect(act).toThrow(UnsupportedMedia);
    expect(act).toThrow(message);
  });
});

describe('handler', () => {
  const env = process.env;
  afterEach(() => {
    process.env = env;
  });

  it('reads OUTPUT_BUCKET and MAX_DURATION_SECONDS from the environment', async () => {
    // Prepare
    process.env = { ...env, OUTPUT_BUCKET: 'outputs-dev', PINNED_SOURCE_BUCKET: 'archive-dev', MAX_DURATION_SECONDS: '60' };

    // Act
    const plan = await handler({ jobId: JOB_ID, source: SOURCE, metadata: metadata(640, 360, { durationSeconds: 30 }) });
    const tooLong = handler({ jobId: JOB_ID, source: SOURCE, metadata: metadata(640, 360, { durationSeconds: 61 }) });

    // Assess
    expect(plan.outputPrefix).toBe(`s3://outputs-dev/${JOB_ID}/`);
    expect((plan.settings.Inputs as { FileInput: string }[])[0].FileInput).toBe(`s3://archive-dev/work/${JOB_ID}/source.mov`);
    expect(plan.ladder.map((r) => `${r.width}x${r.height}`)).toEqual(['640x360', '480x270']);
    // The duration cap (max_source_duration_seconds) names the reason and both numbers.
    await expect(tooLong).rejects.toMatchObject({
      name: 'UnsupportedMedia',
      message: 'Source is longer than the 60 s maximum',
      context: { reason: 'too-long', durationSeconds: 61, maxDurationSeconds: 60 },
    });
  });

  it('fails with ConfigurationError without OUTPUT_BUCKET and MalformedEvent on a bad event', async () => {
    // Prepare
    process.env = { ...env, OUTPUT_BUCKET: '' };
    const noBucket = handler({ jobId: JOB_ID, source: SOURCE, metadata: metadata(640, 360) });
    process.env = { ...env, OUTPUT_BUCKET: 'outputs-dev', PINNED_SOURCE_BUCKET: 'archive-dev' };

    // Act
    const malformed = handler({ jobId: JOB_ID, source: SOURCE });

    // Assess
    await expect(noBucket).rejects.toBeInstanceOf(ConfigurationError);
    await expect(malformed).rejects.toBeInstanceOf(MalformedEvent);
  });
});
