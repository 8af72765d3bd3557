import type { JobSettings } from '@aws-sdk/client-mediaconvert';
import type { MediaInfoResult } from 'mediainfo.js';
import { toMediaMetadata } from '../../handlers/extract-metadata/metadata';
import { DOWNMIX_DB, MUTE_DB, planAudio } from '../../handlers/plan-transcode/audio';
import { planTranscode, type PlanConfig } from '../../handlers/plan-transcode/plan';
import { planRotation } from '../../handlers/plan-transcode/rotation';
import { UnsupportedMedia } from '../../handlers/shared/errors';
import type { MediaMetadata } from '../../handlers/shared/job';

const JOB_ID = '0123456789abcdef0123456789abcdef';
const SOURCE = { bucket: 'source-bucket', key: 'uploads/clip.mkv', etag: '"e"', size: 1_000_000 };
const CONFIG: PlanConfig = { outputBucket: 'output-bucket', maxDurationSeconds: 43_200, thumbnailIntervalSeconds: 10, maxThumbnails: 10 };

/** What extract-metadata returns for a probed file (real MediaInfo output, through toMediaMetadata). */
function probed(general: Record<string, unknown>, video: Record<string, unknown>, audio?: Record<string, unknown>): MediaMetadata {
  const track = [
    { '@type': 'General', Duration: 10, ...general },
    { '@type': 'Video', Format: 'AVC', Width: 1920, Height: 1080, FrameRate: 30, ...video },
    ...(audio ? [{ '@type': 'Audio', Format: 'AAC', ...audio }] : []),
  ];
  return toMediaMetadata({ media: { '@ref': '', track } } as unknown as MediaInfoResult, 1024);
}

const allOutputs = (s: JobSettings) => (s.OutputGroups ?? []).flatMap((g) => g.Outputs ?? []);

describe('rotation (issue #20, point 4)', () => {
  it.each([
    // [container, MediaInfo rotation (counter-clockwise), Rotate]
    ['MPEG-4', 270, 'AUTO'],
    ['MPEG-4', 0, 'AUTO'],
    ['QuickTime', 90, 'AUTO'],
    ['Matroska', 270, 'DEGREES_90'],
    ['WebM', 90, 'DEGREES_270'],
    ['MXF', 180, 'DEGREES_180'],
    ['MPEG-TS', 0, 'DEGREE_0'],
  ] as const)('%s with rotation %i: Rotate %s', (container, rotation, rotate) => {
    expect(planRotation({ container, rotation }).rotate).toBe(rotate);
  });

  it('plans a rotated Matroska source upright: explicit DEGREES_90 and a portrait ladder matching the display size', () => {
    // Prepare: stored 1920x1080, a quarter turn in its metadata (MediaInfo: 270, counter-clockwise).
    const metadata = probed({ Format: 'Matroska' }, { Rotation: '270.000' });

    // Act
    const plan = planTranscode({ jobId: JOB_ID, source: SOURCE, metadata }, CONFIG);

    // Assess: MediaConvert turns it 90 degrees clockwise, into the 1080x1920 picture every rung is sized for.
    expect(metadata).toMatchObject({ displayWidth: 1080, displayHeight: 1920 });
    expect(plan.settings.Inputs?.[0]?.VideoSelector?.Rotate).toBe('DEGREES_90');
    expect(plan.ladder[0]).toMatchObject({ width: 1080, height: 1920 });
    for (const rung of plan.ladder) expect(rung.height).toBeGreaterThan(rung.width);
    const sizes = allOutputs(plan.settings).map((o) => [o.VideoDescription?.Width, o.VideoDescription?.Height] as const);
    for (const [width, height] of sizes) expect(height!).toBeGreaterThan(width!);
  });

  it('rounds a rotation within one degree of a quarter turn to it, in extract-metadata and the plan alike', () => {
    // Act
    const metadata = probed({ Format: 'Matroska' }, { Rotation: '89.600' });

    // Assess
    expect(metadata).toMatchObject({ rotation: 90, displayWidth: 1080, displayHeight: 1920 });
    expect(planRotation(metadata)).toEqual({ rotate: 'DEGREES_270', clockwiseDegrees: 270 });
  });

  it('refuses a rotation that is not a quarter turn with UnsupportedMedia (unsupported-rotation), whatever the container', () => {
    for (const container of ['MPEG-4', 'Matroska']) {
      const metadata = probed({ Format: container }, { Rotation: '45.000' });
      const act = () => planTranscode({ jobId: JOB_ID, source: SOURCE, metadata }, CONFIG);
      expect(act).toThrow(UnsupportedMedia);
      expect(act).toThrow(/rotation of 45 degrees is not a quarter turn/);
      try {
        act();
      } catch (err) {
        expect((err as UnsupportedMedia & { context?: Record<string, unknown> }).context).toMatchObject({ reason: 'unsupported-rotation', rotation: 45, container });
      }
    }
  });
});

describe('audio channels (issue #20, point 5)', () => {
  const audioOf = (metadata: MediaMetadata) => {
    const descriptions = allOutputs(planTranscode({ jobId: JOB_ID, source: SOURCE, metadata }, CONFIG).settings).filter((o) => o.AudioDescriptions).map((o) => o.AudioDescriptions![0]);
    // Every rendition and the MP4 carry the same audio.
    expect(new Set(descriptions.map((d) => JSON.stringify(d))).size).toBe(1);
    return descriptions[0];
  };

  it('puts a mono source on both sides of a stereo output at 0 dB', () => {
    // Act
    const audio = audioOf(probed({ Format: 'MPEG-4' }, {}, { Channels: 1, ChannelLayout: 'M' }));

    // Assess
    expect(audio.CodecSettings?.AacSettings?.CodingMode).toBe('CODING_MODE_2_0');
    expect(audio.RemixSettings).toEqual({ ChannelsIn: 1, ChannelsOut: 2, ChannelMapping: { OutputChannels: [{ InputChannels: [0] }, { InputChannels: [0] }] } });
  });

  it('passes stereo through without a remix', () => {
    const audio = audioOf(probed({ Format: 'MPEG-4' }, {}, { Channels: 2, ChannelLayout: 'L R' }));
    expect(audio.CodecSettings?.AacSettings?.CodingMode).toBe('CODING_MODE_2_0');
    expect(audio.RemixSettings).toBeUndefined();
  });

  it.each([
    ['AAC 5.1, stream order C L R Ls Rs LFE', 'C L R Ls Rs LFE', ['C', 'L', 'R', 'Ls', 'Rs', 'LFE']],
    ['PCM 5.1, stream order L R C LFE Ls Rs', 'L R C LFE Ls Rs', ['L', 'R', 'C', 'LFE', 'Ls', 'Rs']],
  ])('downmixes %s by channel name: L + -3 dB C + -3 dB Ls (and mirrored), LFE dropped', (_label, layout, order) => {
    // Act
    const audio = audioOf(probed({ Format: 'MPEG-4' }, {}, { Channels: 6, ChannelLayout: layout }));

    // Assess
    const expected: Record<string, [number, number]> = { L: [0, MUTE_DB], R: [MUTE_DB, 0], C: [DOWNMIX_DB, DOWNMIX_DB], Ls: [DOWNMIX_DB, MUTE_DB], Rs: [MUTE_DB, DOWNMIX_DB], LFE: [MUTE_DB, MUTE_DB] };
    expect(audio.CodecSettings?.AacSettings?.CodingMode).toBe('CODING_MODE_2_0');
    expect(audio.RemixSettings).toEqual({
      ChannelsIn: 6,
      ChannelsOut: 2,
      ChannelMapping: { OutputChannels: [0, 1].map((side) => ({ InputChannels: order.map((name) => expected[name][side]) })) },
    });
    for (const gain of audio.RemixSettings!.ChannelMapping!.OutputChannels!.flatMap((o) => o.InputChannels!)) {
      // RemixSettings takes integers from -60 (mute) to 6 dB.
      expect(Number.isInteger(gain) && gain >= -60 && gain <= 6).toBe(true);
    }
  });

  it('assumes the SMPTE order when MediaInfo gives no usable layout, and says so', () => {
    expect(planAudio({ audioTrackCount: 1, audioChannels: 6 })).toMatchObject({ decision: 'downmix', layout: ['L', 'R', 'C', 'LFE', 'Ls', 'Rs'], layoutAssumed: true });
    expect(planAudio({ audioTrackCount: 1, audioChannels: 6, audioChannelLayout: 'X Y Z' })).toMatchObject({ layoutAssumed: true });
  });

  it('plans no audio for a source without audio, and stereo for a record that predates the channel count', () => {
    expect(planAudio({ audioTrackCount: 0 })).toBeUndefined();
    expect(planAudio({ audioTrackCount: 1 })).toEqual({ decision: 'stereo', codingMode: 'CODING_MODE_2_0' });
  });
});
