import {
  evaluateRung,
  metricFileUri,
  metricStats,
  MetricFileFormatError,
  parseMetricCsv,
} from '../../handlers/quality-control/quality-metrics';
import type { RungQuality } from '../../handlers/shared/job';
import { DEFAULT_QUALITY_THRESHOLDS, type QualityThresholds } from '../../handlers/shared/quality-thresholds';
import { metricCsv } from '../fixtures/quality';

/** The AWS user guide's PSNR example, verbatim apart from the elided middle rows. */
const AWS_PSNR_EXAMPLE = ['Display_ID,Value', '0,100.00', '1,55.36', '2,54.88', '3,55.05', '4,53.39', 'Average: 43.15', 'Min: 34.19', 'Max: 100.00'].join('\n');

describe('parseMetricCsv (the documented per-frame report layout)', () => {
  it("reads the user guide's example: frame rows in order, summary lines apart", () => {
    // Act
    const file = parseMetricCsv(AWS_PSNR_EXAMPLE);

    // Assess
    expect(file.values).toEqual([100, 55.36, 54.88, 55.05, 53.39]);
    expect(file.summary).toEqual({ average: 43.15, min: 34.19, max: 100 });
  });

  it("is the layout the local transcoder writes: its report of the example's frames matches the guide line for line", () => {
    // Act
    const written = metricCsv([100, 55.36, 54.88, 55.05, 53.39], 2).split('\n');

    // Assess: the rows and the summary keys (the guide's summary covers frames elided from its excerpt).
    expect(written.slice(0, 6)).toEqual(AWS_PSNR_EXAMPLE.split('\n').slice(0, 6));
    expect(written.slice(6, 9).map((l) => l.split(':')[0])).toEqual(['Average', 'Min', 'Max']);
  });

  it.each([
    ['SSIM', [0.9912, 0.9873, 0.9501], 4],
    ['PSNR', [48.21, 41.07, 39.9], 2],
    ['VMAF', [96.4, 91.25, 88.0], 2],
  ])('reads a %s report built from the documented layout', (_metric, values, digits) => {
    // Act
    const file = parseMetricCsv(metricCsv(values, digits));

    // Assess
    expect(file.values).toEqual(values);
    expect(file.summary.min).toBe(Math.min(...values));
  });

  it('sorts rows by Display_ID and tolerates CRLF, a BOM, spaces and a file without summary lines', () => {
    expect(parseMetricCsv('\uFEFFDisplay_ID, Value\r\n2, 0.8\r\n0,0.9\r\n1 ,0.85\r\n').values).toEqual([0.9, 0.85, 0.8]);
  });

  it.each([
    ['an empty file', '', 'the file is empty'],
    ['a header only', 'Display_ID,Value\n', 'the file has no frame rows'],
    ['another header', 'frame,ssim\n0,0.9', 'line 1: expected the header "Display_ID,Value", found "frame,ssim"'],
    ['a non-numeric value', 'Display_ID,Value\n0,0.9\n1,nan', 'line 3: frame 1 has no numeric value ("nan")'],
    ['a repeated frame', 'Display_ID,Value\n0,0.9\n0,0.8', 'line 3: frame 0 appears twice'],
    ['a row after the summary', 'Display_ID,Value\n0,0.9\nAverage: 0.9\n1,0.8', 'line 4: expected "<frame>,<value>" before the summary, found "1,0.8"'],
    ['a third column', 'Display_ID,Value\n0,0.9,1', 'line 2: expected "<frame>,<value>" before the summary, found "0,0.9,1"'],
  ])('rejects %s with a message naming the line', (_case, text, message) => {
    expect(() => parseMetricCsv(text)).toThrow(new MetricFileFormatError(message));
  });
});

describe('metricStats', () => {
  it('computes mean, 5th percentile (interpolated), minimum and the worst one-second window', () => {
    // Prepare: 3 s at 4 fps; the second second is bad.
    const values = [0.95, 0.96, 0.95, 0.96, 0.7, 0.72, 0.71, 0.73, 0.97, 0.98, 0.97, 0.98];

    // Act
    const stats = metricStats(values, 4);

    // Assess
    expect(stats).toEqual({ mean: 0.8817, p5: 0.7055, min: 0.7, worstSecond: 0.715, frames: 12 });
  });

  it('takes the mean of every frame as the worst second of a clip shorter than a second, and rounds the frame rate', () => {
    expect(metricStats([40, 42], 29.97)).toMatchObject({ worstSecond: 41, p5: 40.1, min: 40 });
    expect(metricStats([1, 1, 1, 0, 1, 1], 2.4).worstSecond).toBe(0.5);
  });

  it('treats one frame as every statistic', () => {
    expect(metricStats([37.5], 25)).toEqual({ mean: 37.5, p5: 37.5, min: 37.5, worstSecond: 37.5, frames: 1 });
  });
});

describe('evaluateRung (threshold edges)', () => {
  const stats = (value: number) => ({ mean: value, p5: value, min: value, worstSecond: value, frames: 10 });
  const rung = (over: Partial<RungQuality> = {}): RungQuality => ({ name: 'master_720p', width: 1280, height: 720, top: true, ssim: stats(0.95), psnr: stats(40), vmaf: stats(90), ...over });
  const only = (topRung: QualityThresholds['topRung']): QualityThresholds => ({ topRung, otherRungs: {} });

  it.each([
    ['ssim', 'p5', 0.9],
    ['ssim', 'mean', 0.9],
    ['ssim', 'min', 0.9],
    ['ssim', 'worstSecond', 0.9],
    ['psnr', 'p5', 30],
    ['psnr', 'mean', 30],
    ['vmaf', 'mean', 80],
    ['vmaf', 'p5', 70],
  ] as const)('%s %s: equal to the floor passes, just below fails with rung, metric, value and threshold', (metric, statistic, floor) => {
    // Prepare
    const thresholds = only({ [metric]: { [statistic]: floor } });
    const below = Math.round((floor - (metric === 'ssim' ? 0.0001 : 0.01)) * 10_000) / 10_000;

    // Act
    const atFloor = evaluateRung(rung({ [metric]: stats(floor) }), thresholds);
    const underFloor = evaluateRung(rung({ [metric]: stats(below) }), thresholds);

    // Assess
    expect(atFloor).toEqual([expect.objectContaining({ name: `quality:master_720p:${metric}.${statistic}`, passed: true })]);
    expect(underFloor).toHaveLength(1);
    expect(underFloor[0].passed).toBe(false);
    expect(underFloor[0].detail).toMatch(new RegExp(`^QualityBelowThreshold: rung master_720p \\(1280x720, top\\) ${metric.toUpperCase()} .+ is ${below}, below the threshold ${floor}$`));
  });

  it('applies the top-rung floors to the top rung and the other floors to the rest', () => {
    // Prepare: SSIM p5 0.85 is below the top floor (0.90) and above the others' (0.80).
    const poor = { ssim: stats(0.85) };

    // Act
    const top = evaluateRung(rung({ ...poor, top: true }), DEFAULT_QUALITY_THRESHOLDS);
    const other = evaluateRung(rung({ ...poor, top: false, name: 'master_540p', width: 960, height: 540 }), DEFAULT_QUALITY_THRESHOLDS);

    // Assess
    expect(top.filter((c) => !c.passed).map((c) => c.name)).toEqual(['quality:master_720p:ssim.p5']);
    expect(other.every((c) => c.passed)).toBe(true);
  });

  it('checks nothing for a metric without floors', () => {
    expect(evaluateRung(rung(), { topRung: {}, otherRungs: {} })).toEqual([]);
  });
});

describe('metricFileUri', () => {
  it('names the report after the output name (the file name without its extension), as MediaConvert does', () => {
    expect(metricFileUri('s3://out/job/hls/master_720p.m3u8', 'ssim')).toBe('s3://out/job/hls/master_720p_SSIM.csv');
    expect(metricFileUri('s3://out/job/mp4/video_1080p.mp4', 'vmaf')).toBe('s3://out/job/mp4/video_1080p_VMAF.csv');
    expect(metricFileUri('s3://out/job.v2/hls/master', 'psnr')).toBe('s3://out/job.v2/hls/master_PSNR.csv');
  });
});
