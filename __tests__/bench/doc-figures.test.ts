import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OBSERVABILITY_BASELINE, TRACER_ON_NOTE } from '../../bench/bundles';
import { DOC_FILES, figureValues, readSources, renderDoc } from '../../bench/doc-figures';
import type { Figure } from '../../bench/report';

const ROOT = join(__dirname, '..', '..');

describe('figures in README.md and docs/ (bench/doc-figures.ts)', () => {
  // One synth of the app (resource counts) and the access matrix sizes, plus bench/results*.json.
  const sources = readSources();
  const values = figureValues(sources);

  it.each(DOC_FILES)('%s shows exactly what its sources give (npm run docs:figures rewrites it)', (file) => {
    const text = readFileSync(join(ROOT, file), 'utf8');
    const rendered = renderDoc(text, values);
    expect(rendered.unknown).toEqual([]);
    expect(rendered.text).toBe(text);
  });

  it('covers the figures that once contradicted each other', () => {
    const keys = DOC_FILES.flatMap((file) => renderDoc(readFileSync(join(ROOT, file), 'utf8'), values).keys);
    expect(keys).toEqual(
      expect.arrayContaining(['readme-performance', 'bench-table', 'goals-table', 'local-table', 'per-video.gb-seconds', 'resources.video-workflow-dev', 'simulation-cases.prod']),
    );
  });

  it('sets the observability baseline beside the module init goal and the local run\'s fixed part in its table', () => {
    const baseline: Figure = {
      group: 'bundles',
      figure: OBSERVABILITY_BASELINE,
      unit: 'ms',
      median: 61.5,
      min: 55,
      max: 70,
      runs: 3,
      samples: [55, 61.5, 70],
      goal: null,
      pass: null,
      note: TRACER_ON_NOTE,
    };
    if (!sources.local) throw new Error('bench/results-local.json is missing');
    const v = figureValues({
      ...sources,
      results: { ...sources.results, figures: [...sources.results.figures.filter((f) => f.figure !== OBSERVABILITY_BASELINE), baseline] },
      local: { ...sources.local, fixedPartMs: { median: 1800, min: 1700, max: 2300, runs: [1700, 1800, 2300] } },
    });
    const initRow = (table: string) => table.split('\n').find((line) => line.includes('Module init'));
    expect(initRow(v['goals-table'])).toContain('Tracer + Logger alone, no handler: 61.5 ms (55-70)');
    expect(initRow(v['readme-performance'])).toContain('Tracer + Logger alone, no handler: 61.5 ms (55-70)');
    // Not a handler: it has no goal and does not count among the 60 ms verdicts.
    expect(initRow(v['readme-performance'])).not.toMatch(/of 14 \|$/);
    expect(v['local-table']).toContain("| fixed part: start-up and exit (whole command minus the video's own time) | 1.80 s | 1.70 s..2.30 s |");
  });

  it('renders inline and block markers, and reports keys with no source', () => {
    const doc = 'a <!-- fig:x -->old<!-- /fig --> b\n<!-- fig:t -->\n| old |\n<!-- /fig -->\n<!-- fig:nope -->?<!-- /fig -->';
    const r = renderDoc(doc, { x: '42', t: '| new |' });
    expect(r.text).toBe('a <!-- fig:x -->42<!-- /fig --> b\n<!-- fig:t -->\n| new |\n<!-- /fig -->\n<!-- fig:nope -->?<!-- /fig -->');
    expect(r.unknown).toEqual(['nope']);
  });
});
