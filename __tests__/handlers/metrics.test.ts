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
});
