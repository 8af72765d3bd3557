import type { JobSettings } from '@aws-sdk/client-mediaconvert';
import { planFfmpeg, qvbrToCrf, jpegQualityToQscale, UnsupportedSettings, type SourceInfo } from '../../local/transcode-plan';
import { splitDestination } from '../../local/s3-uri';
import { jobSettingsFixture } from './fixtures';

const withAudio: SourceInfo = { width: 640, height: 360, durationMs: 2000, frameRate: 25, audioStreams: 1 };
const noAudio: SourceInfo = { ...withAudio, audioStreams: 0 };
const ctx = (source: SourceInfo) => ({ inputPath: '/work/input/clip.mov', source, workDir: '/work/out' });
const settings = (audio = true) =>
  jobSettingsFixture({ source: 's3://src/uploads/clip.mov', output: 'out', jobId: 'job1', audio });

/** The arguments of the output written to `path`: from after the previous output (or the filter graph) to `path`. */
function argsOf(args: readonly string[], path: string): string[] {
  const end = args.indexOf(path);
  const graph = args.indexOf('-filter_complex') + 1;
  const previous = args.slice(0, end).reduce((last, a, i) => (a.startsWith('/work/out') && i > graph ? i : last), graph);
  return args.slice(previous + 1, end + 1);
}

describe('splitDestination', () => {
  it('takes the input file name when the destination ends with a slash', () => {
    // Act
    const result = splitDestination('s3://out/job1/mp4/', 's3://src/uploads/My Clip.final.mov');

    // Assess
    expect(result).toEqual({ dir: 's3://out/job1/mp4/', base: 'My Clip.final' });
  });

  it('takes the last path segment as the base name otherwise', () => {
    // Act
    const result = splitDestination('s3://out/job1/hls/index', 's3://src/uploads/clip.mov');

    // Assess
    expect(result).toEqual({ dir: 's3://out/job1/hls/', base: 'index' });
  });
});

describe('planFfmpeg', () => {
  it('names every output as MediaConvert would', () => {
    // Act
    const plan = planFfmpeg(settings(), ctx(withAudio));

    // Assess
    expect(plan.groups.map((g) => ({ type: g.type, masterUri: g.masterUri, outputs: g.outputs.map((o) => [o.kind, o.uri, o.width, o.height]) }))).toEqual([
      { type: 'FILE_GROUP', masterUri: undefined, outputs: [['mp4', 's3://out/job1/mp4/clip_180p.mp4', 320, 180]] },
      {
        type: 'HLS_GROUP',
        masterUri: 's3://out/job1/hls/index.m3u8',
        outputs: [
          ['hls-rendition', 's3://out/job1/hls/index_180p.m3u8', 320, 180],
          ['hls-rendition', 's3://out/job1/hls/index_144p.m3u8', 256, 144],
        ],
      },
      { type: 'FILE_GROUP', masterUri: undefined, outputs: [['frame-capture', 's3://out/job1/thumbnails/thumb', 320, 180]] },
    ]);
    expect(plan.args).toContain('/work/out/out/job1/hls/index_180p_%05d.ts');
    expect(plan.args).toContain('/work/out/out/job1/thumbnails/thumb.%07d.jpg');
    expect(plan.warnings).toEqual([]);
  });

  it('decodes once and splits the picture for every output', () => {
    // Act
    const plan = planFfmpeg(settings(), ctx(withAudio));

    // Assess
    const graph = plan.args[plan.args.indexOf('-filter_complex') + 1];
    expect(graph.startsWith('[0:v:0]split=4[v0in][v1in][v2in][v3in];')).toBe(true);
    expect(plan.args.filter((a) => a === '-i')).toHaveLength(1);
  });

  it('maps QVBR to CRF capped at MaxBitrate, and AAC to the planned bit rate and channels', () => {
    // Act
    const plan = planFfmpeg(settings(), ctx(withAudio));

    // Assess
    const mp4 = argsOf(plan.args, '/work/out/out/job1/mp4/clip_180p.mp4');
    expect(mp4).toEqual([
      '-map', '[v0]', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-preset', 'veryfast', '-profile:v', 'high',
      '-g', '50', '-sc_threshold', '0', '-crf', String(qvbrToCrf(7)), '-maxrate', '600000', '-bufsize', '1200000',
      '-map', '0:a:0', '-c:a', 'aac', '-b:a', '96000', '-ar', '48000', '-ac', '2',
      '-movflags', '+faststart', '-f', 'mp4', '/work/out/out/job1/mp4/clip_180p.mp4',
    ]);
  });

  it('writes frame captures as numbered JPEGs from 0 with MaxCaptures and the quality mapped', () => {
    // Act
    const plan = planFfmpeg(settings(), ctx(withAudio));

    // Assess
    const thumbs = argsOf(plan.args, '/work/out/out/job1/thumbnails/thumb.%07d.jpg');
    expect(thumbs).toEqual([
      '-map', '[v3]', '-an', '-c:v', 'mjpeg', '-q:v', String(jpegQualityToQscale(80)), '-frames:v', '3',
      '-f', 'image2', '-start_number', '0', '/work/out/out/job1/thumbnails/thumb.%07d.jpg',
    ]);
    expect(plan.args[plan.args.indexOf('-filter_complex') + 1]).toContain('[v3in]fps=1/1,scale=320:180');
  });

  it('reports each setting it cannot honour with its path and value, and stays quiet on equivalent defaults', () => {
    // Prepare
    const s = settings() as JobSettings & { OutputGroups: NonNullable<JobSettings['OutputGroups']> };
    const h264 = s.OutputGroups[0].Outputs![0].VideoDescription!.CodecSettings!.H264Settings!;
    Object.assign(h264, { Telecine: 'NONE', AdaptiveQuantization: 'HIGH', QvbrSettings: { QvbrQualityLevel: 8, MaxAverageBitrate: 500000 } });
    s.Inputs![0].InputClippings = [{ StartTimecode: '00:00:01:00' }];

    // Act
    const plan = planFfmpeg(s, ctx(withAudio));

    // Assess
    expect(plan.warnings).toEqual([
      'Settings.Inputs[0].InputClippings=[{"StartTimecode":"00:00:01:00"}] not honoured: clipping is not implemented locally',
      'Settings.OutputGroups[0].Outputs[0].VideoDescription.CodecSettings.H264Settings.QvbrSettings.MaxAverageBitrate=500000 not honoured: x264 CRF cannot cap the average bit rate',
      'Settings.OutputGroups[0].Outputs[0].VideoDescription.CodecSettings.H264Settings.AdaptiveQuantization="HIGH" not honoured by the local transcoder',
    ]);
  });

  it('drops the audio and says so when the source has no audio track but the output asks for one', () => {
    // Act
    const plan = planFfmpeg(settings(true), ctx(noAudio));

    // Assess
    expect(argsOf(plan.args, '/work/out/out/job1/mp4/clip_180p.mp4')).toContain('-an');
    expect(plan.args).not.toContain('0:a:0');
    expect(plan.warnings).toContain(
      'Settings.OutputGroups[0].Outputs[0].AudioDescriptions not honoured: the source has 0 audio track(s), none selected; output written without audio',
    );
  });

  it('writes video-only outputs for an audio-less plan without warnings', () => {
    // Act
    const plan = planFfmpeg(settings(false), ctx(noAudio));

    // Assess
    expect(plan.warnings).toEqual([]);
    expect(plan.args).not.toContain('-c:a');
  });

  it('rejects a codec it cannot produce, naming the setting', () => {
    // Prepare
    const s = settings();
    s.OutputGroups![0].Outputs![0].VideoDescription!.CodecSettings!.Codec = 'VP9';

    // Act
    const act = () => planFfmpeg(s, ctx(withAudio));

    // Assess (HEVC is produced with libx265 since the premium profile; VP9 is not)
    expect(act).toThrow(UnsupportedSettings);
    expect(act).toThrow('Settings.OutputGroups[0].Outputs[0].VideoDescription.CodecSettings.Codec=VP9 is not supported locally (H_264, H_265, FRAME_CAPTURE)');
  });

  it('encodes HEVC with libx265 (hvc1 tag, VBV from MaxBitrate) and reads every H265Settings key it is given', () => {
    // Prepare
    const s = settings();
    s.OutputGroups![0].Outputs![0].VideoDescription!.CodecSettings = {
      Codec: 'H_265',
      H265Settings: { RateControlMode: 'QVBR', QvbrSettings: { QvbrQualityLevel: 7 }, MaxBitrate: 3_000_000, CodecProfile: 'MAIN_MAIN', CodecLevel: 'AUTO', GopSize: 2, GopSizeUnits: 'SECONDS', GopClosedCadence: 1, SceneChangeDetect: 'TRANSITION_DETECTION', QualityTuningLevel: 'SINGLE_PASS_HQ', FramerateControl: 'INITIALIZE_FROM_SOURCE', WriteMp4PackagingType: 'HVC1' },
    };

    // Act
    const plan = planFfmpeg(s, ctx(withAudio));

    // Assess
    expect(plan.warnings).toEqual([]);
    const args = plan.args.join(' ');
    expect(args).toContain('-c:v libx265 -pix_fmt yuv420p -preset superfast -profile:v main -tag:v hvc1');
    expect(args).toContain('-crf 28 -x265-params vbv-maxrate=3000:vbv-bufsize=6000:log-level=error');
  });

  it('rejects settings without an input', () => {
    // Act
    const act = () => planFfmpeg({ OutputGroups: [] }, ctx(withAudio));

    // Assess
    expect(act).toThrow('Settings.Inputs is empty');
  });
});

describe('quality mappings', () => {
  it('maps QVBR levels onto CRF (7 -> x264 default 23, higher quality -> lower CRF)', () => {
    // Assess
    expect([1, 7, 10].map(qvbrToCrf)).toEqual([33, 23, 18]);
  });

  it('maps JPEG quality 1..100 onto mjpeg qscale 31..2', () => {
    // Assess
    expect([100, 80, 1].map(jpegQualityToQscale)).toEqual([2, 8, 31]);
  });
});
