import type { JobSettings } from '@aws-sdk/client-mediaconvert';
import { parseMetricCsv } from '../../handlers/quality-control/quality-metrics';
import { measureArgs, measuredOutputs, parseStatsFile, PSNR_CAP_DB, renderMetricReport } from '../../local/quality-measure';
import { planFfmpeg, type SourceInfo } from '../../local/transcode-plan';
import { jobSettingsFixture } from './fixtures';

const SOURCE: SourceInfo = { width: 640, height: 360, durationMs: 2000, frameRate: 25, audioStreams: 1 };
const ctx = { inputPath: '/work/input/clip.mov', source: SOURCE, workDir: '/work/out' };

/** The fixture's settings with PerFrameMetrics on every H.264 output, as plan-transcode writes them. */
function settingsWithMetrics(metrics: string[]): JobSettings {
  const settings = jobSettingsFixture({ source: 's3://src/uploads/clip.mov', output: 'out', jobId: 'job1', audio: true });
  for (const output of (settings.OutputGroups ?? []).flatMap((g) => g.Outputs ?? [])) {
    const h264 = output.VideoDescription?.CodecSettings?.H264Settings;
    if (h264) Object.assign(h264, { PerFrameMetrics: metrics });
  }
  return settings;
}

describe('planFfmpeg with PerFrameMetrics', () => {
  it('marks every H.264 output for SSIM and PSNR with its encode filter as the reference, and warns once about VMAF', () => {
    // Act
    const plan = planFfmpeg(settingsWithMetrics(['SSIM', 'PSNR', 'VMAF']), ctx);

    // Assess
    expect(measuredOutputs(plan).map((o) => [o.uri, o.frameMetrics, o.referenceFilter])).toEqual([
      ['s3://out/job1/mp4/clip_180p.mp4', ['SSIM', 'PSNR'], 'scale=320:180:force_original_aspect_ratio=decrease,pad=320:180:(ow-iw)/2:(oh-ih)/2,setsar=1'],
      ['s3://out/job1/hls/index_180p.m3u8', ['SSIM', 'PSNR'], 'scale=320:180:force_original_aspect_ratio=decrease,pad=320:180:(ow-iw)/2:(oh-ih)/2,setsar=1'],
      ['s3://out/job1/hls/index_144p.m3u8', ['SSIM', 'PSNR'], 'scale=256:144:force_original_aspect_ratio=decrease,pad=256:144:(ow-iw)/2:(oh-ih)/2,setsar=1'],
    ]);
    expect(plan.warnings).toEqual(["PerFrameMetrics VMAF not measured locally (3 requests): ffmpeg's ssim and psnr filters give SSIM and PSNR only"]);
  });

  it('measures nothing and says nothing when no output asks for metrics', () => {
    // Act
    const plan = planFfmpeg(settingsWithMetrics([]), ctx);

    // Assess
    expect(measuredOutputs(plan)).toEqual([]);
    expect(plan.warnings).toEqual([]);
  });
});

describe('measureArgs', () => {
  it('decodes the source once, compares each output at t=0 with ssim then psnr, and writes relative stats files', () => {
    // Prepare
    const outputs = measuredOutputs(planFfmpeg(settingsWithMetrics(['SSIM', 'PSNR']), ctx)).slice(0, 2);

    // Act
    const args = measureArgs('/work/input/clip.mov', outputs);

    // Assess
    expect(args.slice(0, 7)).toEqual(['-y', '-i', '/work/input/clip.mov', '-i', outputs[0].localPath, '-i', outputs[1].localPath]);
    const graph = args[args.indexOf('-filter_complex') + 1].split(';');
    expect(graph[0]).toBe('[0:v:0]split=2[src0][src1]');
    expect(graph).toContain(`[src0]${outputs[0].referenceFilter},format=yuv420p,setpts=PTS-STARTPTS,split=2[ref0SSIM][ref0PSNR]`);
    expect(graph).toContain('[1:v:0]format=yuv420p,setpts=PTS-STARTPTS[enc0]');
    expect(graph).toContain('[enc0][ref0SSIM]ssim=stats_file=q0_SSIM.log:shortest=1[out0SSIM]');
    expect(graph).toContain('[out0SSIM][ref0PSNR]psnr=stats_file=q0_PSNR.log:shortest=1[out0PSNR]');
    expect(graph).toContain('[out1SSIM][ref1PSNR]psnr=stats_file=q1_PSNR.log:shortest=1[out1PSNR]');
    expect(args.slice(args.indexOf('-filter_complex') + 2)).toEqual(['-map', '[out0PSNR]', '-f', 'null', '-', '-map', '[out1PSNR]', '-f', 'null', '-']);
  });
});

describe('measureArgs with an explicit rotation', () => {
  it('decodes the reference the way the encode did: unrotated, then turned, before the split', () => {
    // Prepare
    const settings = settingsWithMetrics(['SSIM', 'PSNR']);
    settings.Inputs![0].VideoSelector = { Rotate: 'DEGREES_90' };
    const plan = planFfmpeg(settings, ctx);

    // Act
    const args = measureArgs('/work/input/clip.mov', measuredOutputs(plan), plan.decode);

    // Assess
    expect(plan.args.slice(0, 3)).toEqual(['-y', '-noautorotate', '-i']);
    expect(args.slice(0, 4)).toEqual(['-y', '-noautorotate', '-i', '/work/input/clip.mov']);
    expect(args[args.indexOf('-filter_complex') + 1].split(';')[0]).toBe('[0:v:0]transpose=clock,split=3[src0][src1][src2]');
  });
});

describe('ffmpeg stats files -> MediaConvert report layout', () => {
  it('reads ssim "All" and psnr "psnr_avg" per frame, capping an identical frame at 100 dB as MediaConvert reports it', () => {
    // Prepare
    const ssim = 'n:1 Y:0.991234 U:0.995000 V:0.996000 All:0.992887 (21.483468)\nn:2 Y:0.98 U:0.99 V:0.99 All:0.984100 (18.0)\n';
    const psnr = 'n:1 mse_avg:0.00 mse_y:0.00 mse_u:0.00 mse_v:0.00 psnr_avg:inf psnr_y:inf psnr_u:inf psnr_v:inf\nn:2 mse_avg:2.51 mse_y:3.1 mse_u:1.2 mse_v:1.1 psnr_avg:44.13 psnr_y:43.2 psnr_u:47.3 psnr_v:47.6\n';

    // Act / Assess
    expect(parseStatsFile(ssim, 'SSIM')).toEqual([0.992887, 0.9841]);
    expect(parseStatsFile(psnr, 'PSNR')).toEqual([PSNR_CAP_DB, 44.13]);
    expect(() => parseStatsFile('n:1 Y:0.9\n', 'SSIM')).toThrow('ffmpeg ssim stats line 1 has no All: "n:1 Y:0.9"');
  });

  it('writes reports that the quality-control parser reads back frame for frame', () => {
    // Prepare
    const values = [0.992887, 0.9841, 0.97];

    // Act
    const text = renderMetricReport(values, 6);

    // Assess
    expect(text.split('\n').slice(0, 2)).toEqual(['Display_ID,Value', '0,0.992887']);
    expect(parseMetricCsv(text)).toEqual({ values, summary: { average: 0.982329, min: 0.97, max: 0.992887 } });
  });
});
