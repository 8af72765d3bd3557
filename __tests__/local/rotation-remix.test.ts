/**
 * The local transcoder follows plan-transcode's rotation and audio choices (issue #20, points 4
 * and 5): an explicit Rotate turns the stored picture, RemixSettings becomes an ffmpeg pan filter.
 */
import type { JobSettings } from '@aws-sdk/client-mediaconvert';
import { planAudio } from '../../handlers/plan-transcode/audio';
import { planFfmpeg, UnsupportedSettings, type SourceInfo } from '../../local/transcode-plan';
import { jobSettingsFixture } from './fixtures';

const ctx = (source: SourceInfo) => ({ inputPath: '/work/input/clip.mkv', source, workDir: '/work/out' });
const base = () => jobSettingsFixture({ source: 's3://src/uploads/clip.mkv', output: 'out', jobId: 'job1', audio: true });

function withRotate(rotate: string): JobSettings {
  const s = base();
  s.Inputs![0].VideoSelector = { Rotate: rotate as never };
  return s;
}

function withRemix(metadata: Parameters<typeof planAudio>[0]): JobSettings {
  const s = base();
  const remix = planAudio(metadata)?.remix;
  for (const group of s.OutputGroups ?? []) for (const out of group.Outputs ?? []) for (const d of out.AudioDescriptions ?? []) d.RemixSettings = remix;
  return s;
}

const graphOf = (args: readonly string[]) => args[args.indexOf('-filter_complex') + 1];
const audioFilters = (args: readonly string[]) => args.flatMap((a, i) => (args[i - 1] === '-filter:a' ? [a] : []));

describe('local rotation', () => {
  const landscapeStored: SourceInfo = { width: 320, height: 180, storedWidth: 320, storedHeight: 180, audioStreams: 1, durationMs: 1000 };

  it('AUTO keeps ffmpeg\'s autorotate (the metadata decides), as MediaConvert does for .mov/.mp4', () => {
    const plan = planFfmpeg(withRotate('AUTO'), ctx(landscapeStored));
    expect(plan.args).not.toContain('-noautorotate');
    expect(graphOf(plan.args).startsWith('[0:v:0]split=')).toBe(true);
  });

  it.each([
    ['DEGREES_90', 'transpose=clock', 180, 320],
    ['DEGREES_180', 'hflip,vflip', 320, 180],
    ['DEGREES_270', 'transpose=cclock', 180, 320],
    ['DEGREE_0', undefined, 320, 180],
  ])('%s decodes the stored picture unrotated and turns it clockwise (%s)', (rotate, filter, width, height) => {
    // Act: outputs without an explicit size follow the rotated picture.
    const settings = withRotate(rotate);
    const mp4 = settings.OutputGroups![0].Outputs![0].VideoDescription!;
    delete mp4.Width;
    delete mp4.Height;
    const plan = planFfmpeg(settings, ctx(landscapeStored));

    // Assess
    expect(plan.args.indexOf('-noautorotate')).toBe(plan.args.indexOf('-i') - 1);
    expect(graphOf(plan.args).startsWith(`[0:v:0]${filter ? `${filter},` : ''}split=`)).toBe(true);
    expect(plan.groups[0].outputs[0]).toMatchObject({ width, height });
    expect(plan.warnings).toEqual([]);
  });

  it('refuses a Rotate value MediaConvert does not have', () => {
    expect(() => planFfmpeg(withRotate('DEGREES_45'), ctx(landscapeStored))).toThrow(UnsupportedSettings);
  });
});

describe('local audio remix', () => {
  it('puts a mono source on both channels at 0 dB (pan by index, exactly the RemixSettings)', () => {
    // Act
    const plan = planFfmpeg(withRemix({ audioTrackCount: 1, audioChannels: 1, audioChannelLayout: 'M' }), ctx({ width: 320, height: 180, audioStreams: 1, audio: { channels: 1, channelLayout: 'mono' } }));

    // Assess: every output with audio, the same filter.
    const filters = audioFilters(plan.args);
    expect(filters).toHaveLength(3);
    expect(new Set(filters)).toEqual(new Set(['pan=stereo|c0=1*c0|c1=1*c0']));
    expect(plan.warnings).toEqual([]);
  });

  it('downmixes AAC 5.1 by channel name with plan-transcode\'s gains (-3 dB centre and surrounds, no LFE)', () => {
    // Act: MediaConvert numbers AAC 5.1 C L R Ls Rs LFE; ffmpeg decodes it as 5.1 (FL FR FC LFE BL BR).
    const plan = planFfmpeg(
      withRemix({ audioTrackCount: 1, audioChannels: 6, audioChannelLayout: 'C L R Ls Rs LFE' }),
      ctx({ width: 320, height: 180, audioStreams: 1, audio: { channels: 6, channelLayout: '5.1' } }),
    );

    // Assess
    expect(new Set(audioFilters(plan.args))).toEqual(new Set(['pan=stereo|c0=1*FL+0.7079*FC+0.7079*BL|c1=1*FR+0.7079*FC+0.7079*BR']));
    expect(plan.warnings).toEqual([]);
  });

  it('passes stereo through without a filter, and reports a remix it cannot reproduce instead of dropping it', () => {
    const stereo = planFfmpeg(withRemix({ audioTrackCount: 1, audioChannels: 2 }), ctx({ width: 320, height: 180, audioStreams: 1, audio: { channels: 2, channelLayout: 'stereo' } }));
    expect(audioFilters(stereo.args)).toEqual([]);

    const mismatch = planFfmpeg(withRemix({ audioTrackCount: 1, audioChannels: 1 }), ctx({ width: 320, height: 180, audioStreams: 1, audio: { channels: 2, channelLayout: 'stereo' } }));
    expect(audioFilters(mismatch.args)).toEqual([]);
    expect(mismatch.warnings.some((w) => w.includes('ChannelsIn=1 not honoured: the source audio has 2 channel(s)'))).toBe(true);
  });
});
