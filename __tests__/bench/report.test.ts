import { figure, formatNumber, formatTable, meets, mergeResults, single, staleGroups } from '../../bench/report';
import { scale, summarize, timeCommand } from '../../bench/stats';

describe('summarize', () => {
  it('takes the middle sample of an odd count and keeps min, max and the samples in run order', () => {
    // Act
    const s = summarize([30, 10, 20, 50, 40]);

    // Assess
    expect(s).toEqual({ median: 30, min: 10, max: 50, samples: [30, 10, 20, 50, 40] });
  });

  it('averages the two middle samples of an even count', () => {
    // Act / Assess
    expect(summarize([4, 1, 3, 2]).median).toBe(2.5);
  });

  it('refuses no samples or non-finite ones', () => {
    // Act / Assess
    expect(() => summarize([])).toThrow('no samples');
    expect(() => summarize([1, Number.NaN])).toThrow('non-finite');
  });

  it('scales every statistic', () => {
    // Act / Assess
    expect(scale(summarize([1000, 3000]), 1 / 1000)).toEqual({ median: 2, min: 1, max: 3, samples: [1, 3] });
  });
});

describe('timeCommand', () => {
  it('returns the wall time and output of a command', () => {
    // Act
    const r = timeCommand(process.execPath, ['-e', 'console.log(42)'], { cwd: __dirname });

    // Assess
    expect(r.stdout.trim()).toBe('42');
    expect(r.ms).toBeGreaterThan(0);
  });

  it('throws with the exit status and stderr when the command fails', () => {
    // Act / Assess
    expect(() => timeCommand(process.execPath, ['-e', 'console.error("broken"); process.exit(3)'], { cwd: __dirname })).toThrow(/exited 3:\s+broken/);
  });
});

describe('figures and the table', () => {
  it('judges a goal on the median and records it as text', () => {
    // Act
    const passing = figure('synth', 'warm synth / floor', 'x', summarize([5, 7, 4]), { goal: { op: '<=', value: 6 } });
    const failing = figure('synth', 'cold synth / floor', 'x', summarize([9, 7, 8]), { goal: { op: '<=', value: 6 } });
    const noGoal = single('orchestration', 'DynamoDB writes per video', 'count', 4);

    // Assess
    expect(passing).toMatchObject({ median: 5, min: 4, max: 7, runs: 3, goal: '<= 6', pass: true });
    expect(failing).toMatchObject({ median: 8, pass: false });
    expect(noGoal).toMatchObject({ median: 4, min: 4, max: 4, runs: 1, goal: null, pass: null });
    expect(meets(0, { op: '==', value: 0 })).toBe(true);
    expect(meets(11, { op: '>=', value: 12 })).toBe(false);
  });

  it('prints PASS/FAIL per goal, and no verdict without one', () => {
    // Prepare
    const rows = [
      single('orchestration', 'state transitions per video', 'count', 9, { goal: { op: '<=', value: 11 } }),
      single('bundles', 'publish: zip size', 'KB', 412.4, { goal: { op: '<=', value: 300 } }),
      single('orchestration', 'DynamoDB writes per video', 'count', 4),
    ];

    // Act
    const lines = formatTable(rows).split('\n');

    // Assess
    expect(lines).toHaveLength(5);
    expect(lines[2]).toMatch(/state transitions per video\s+\| 9 .*\| <= 11\s+\| PASS/);
    expect(lines[3]).toMatch(/publish: zip size\s+\| 412 .*\| <= 300\s+\| FAIL/);
    expect(lines[4]).toMatch(/DynamoDB writes per video\s+\| 4 .*\|\s+\|\s+\|$/);
  });

  it('formats integers exactly and other values to about three significant digits', () => {
    // Act / Assess
    expect(formatNumber(9)).toBe('9');
    expect(formatNumber(12_345)).toBe('12,345');
    expect(formatNumber(412.4)).toBe('412');
    expect(formatNumber(24.31)).toBe('24.3');
    expect(formatNumber(1.344)).toBe('1.34');
    expect(formatNumber(0.000393)).toBe('0.000393');
  });
});

describe('mergeResults / staleGroups (npm run bench -- --only X)', () => {
  const base = { durationSeconds: 1, machine: {}, options: {}, prices: {}, details: {}, errors: [] };
  const fig = (group: string, name: string, value: number) => single(group, name, 'ms', value);

  it('replaces the measured groups, keeps the others with their date, and marks only those stale', () => {
    // Prepare
    const previous = { ...base, generatedAt: '2026-11-29T10:00:00.000Z', groups: { synth: { measuredAt: '2026-11-29T10:00:00.000Z' }, bundles: { measuredAt: '2026-11-29T10:00:00.000Z' } }, figures: [fig('synth', 'a', 1), fig('bundles', 'b', 2)], details: { old: 1 } };
    const current = { ...base, generatedAt: '2026-11-30T10:00:00.000Z', groups: { bundles: { measuredAt: '2026-11-30T10:00:00.000Z' } }, figures: [fig('bundles', 'b', 3)], details: { fresh: 2 } };

    // Act
    const merged = mergeResults(previous, current, ['synth', 'bundles']);

    // Assess
    expect(merged.figures.map((f) => [f.group, f.median])).toEqual([
      ['synth', 1],
      ['bundles', 3],
    ]);
    expect(merged.details).toEqual({ old: 1, fresh: 2 });
    expect([...staleGroups(merged)]).toEqual([['synth', '2026-11-29T10:00:00.000Z']]);
    expect(formatTable(merged.figures, staleGroups(merged))).toContain('(stale: 2026-11-29)');
  });

  it('dates the figures of a file written before groups were recorded by its generatedAt', () => {
    const previous = { ...base, generatedAt: '2026-11-29T10:00:00.000Z', figures: [fig('tests', 't', 1)] };
    const current = { ...base, generatedAt: '2026-11-30T10:00:00.000Z', groups: {}, figures: [] };
    expect(mergeResults(previous, current, []).groups).toEqual({ tests: { measuredAt: '2026-11-29T10:00:00.000Z' } });
  });
});
