import { topRungMetrics } from '../../handlers/quality-control/quality-gate';
import { METRICS_NAMESPACE, emit, metrics } from '../../handlers/shared/metrics';

/**
 * The EMF line CloudWatch turns into metrics: namespace, the `service` dimension (the stack
 * name, so each environment's dashboard reads its own), units and values.
 */
describe('workflow metrics (EMF)', () => {
  let lines: string[];
  let restore: () => void;

  beforeEach(() => {
    lines = [];
    const spy = jest.spyOn((metrics as unknown as { console: Console }).console, 'log').mockImplementation((line: string) => {
      lines.push(line);
    });
    const disabled = process.env.POWERTOOLS_METRICS_DISABLED;
    (metrics as unknown as { disabled: boolean }).disabled = false;
    restore = () => {
      spy.mockRestore();
      (metrics as unknown as { disabled: boolean }).disabled = disabled === 'true';
    };
  });
  afterEach(() => restore());

  it('writes one EMF line with the completed count and the source minutes', () => {
    // Act
    emit([['VideosCompleted', 1], ['SourceMinutesProcessed', 1.5]]);
    // Assess
    expect(lines).toHaveLength(1);
    const emf = JSON.parse(lines[0]);
    const directive = emf._aws.CloudWatchMetrics[0];
    expect(directive.Namespace).toBe(METRICS_NAMESPACE);
    expect(directive.Dimensions).toEqual([['service']]);
    expect(directive.Metrics).toEqual(
      expect.arrayContaining([
        { Name: 'VideosCompleted', Unit: 'Count' },
        { Name: 'SourceMinutesProcessed', Unit: 'None' },
      ]),
    );
    expect(emf).toMatchObject({ VideosCompleted: 1, SourceMinutesProcessed: 1.5 });
  });

  it('keeps the error name as metadata, not as a dimension', () => {
    emit([['VideosFailed', 1]], { errorName: 'UnsupportedMedia' });
    const emf = JSON.parse(lines[0]);
    expect(emf._aws.CloudWatchMetrics[0].Dimensions).toEqual([['service']]);
    expect(emf).toMatchObject({ VideosFailed: 1, errorName: 'UnsupportedMedia' });
  });

  it('reports probe bytes in Bytes', () => {
    emit([['ProbeBytesRead', 31574]]);
    const emf = JSON.parse(lines[0]);
    expect(emf._aws.CloudWatchMetrics[0].Metrics).toEqual([{ Name: 'ProbeBytesRead', Unit: 'Bytes' }]);
    expect(emf.ProbeBytesRead).toBe(31574);
  });

  it('writes quality-control\'s top-rung quality as unitless values in one line with the QC failure count', () => {
    // Prepare
    const stats = (p5: number, mean: number) => ({ mean, p5, min: p5, worstSecond: p5, frames: 50 });
    const quality = {
      rungs: [
        { name: 'video_1080p', width: 1920, height: 1080, top: true, ssim: stats(0.93, 0.95), psnr: stats(38, 40), vmaf: stats(80, 91) },
        { name: 'master_1080p', width: 1920, height: 1080, top: true, ssim: stats(0.91, 0.94), psnr: stats(37, 40), vmaf: stats(78, 88) },
        { name: 'master_720p', width: 1280, height: 720, top: false, ssim: stats(0.5, 0.6), psnr: stats(20, 22) },
      ],
    };

    // Act
    emit([['QualityChecksFailed', 1], ...topRungMetrics(quality)]);

    // Assess: the worst top-rung output counts; smaller rungs do not.
    expect(lines).toHaveLength(1);
    const emf = JSON.parse(lines[0]);
    expect(emf._aws.CloudWatchMetrics[0].Metrics).toEqual(
      expect.arrayContaining([{ Name: 'TopRungSsimP5', Unit: 'None' }, { Name: 'TopRungVmafMean', Unit: 'None' }, { Name: 'QualityChecksFailed', Unit: 'Count' }]),
    );
    expect(emf).toMatchObject({ TopRungSsimP5: 0.91, TopRungVmafMean: 88, QualityChecksFailed: 1 });
  });

  it('leaves out VMAF when no top rung has it, and everything when nothing was measured', () => {
    const stats = { mean: 0.95, p5: 0.94, min: 0.9, worstSecond: 0.93, frames: 25 };
    expect(topRungMetrics({ rungs: [{ name: 'a', width: 2, height: 2, top: true, ssim: stats, psnr: stats }] })).toEqual([['TopRungSsimP5', 0.94]]);
    expect(topRungMetrics({ rungs: [] })).toEqual([]);
    expect(topRungMetrics(undefined)).toEqual([]);
  });
});
