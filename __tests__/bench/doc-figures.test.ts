import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DOC_FILES, figureValues, readSources, renderDoc } from '../../bench/doc-figures';

const ROOT = join(__dirname, '..', '..');

describe('figures in README.md and docs/ (bench/doc-figures.ts)', () => {
  // One synth of the app (resource counts) and the access matrix sizes, plus bench/results*.json.
  const values = figureValues(readSources());

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

  it('renders inline and block markers, and reports keys with no source', () => {
    const doc = 'a <!-- fig:x -->old<!-- /fig --> b\n<!-- fig:t -->\n| old |\n<!-- /fig -->\n<!-- fig:nope -->?<!-- /fig -->';
    const r = renderDoc(doc, { x: '42', t: '| new |' });
    expect(r.text).toBe('a <!-- fig:x -->42<!-- /fig --> b\n<!-- fig:t -->\n| new |\n<!-- /fig -->\n<!-- fig:nope -->?<!-- /fig -->');
    expect(r.unknown).toEqual(['nope']);
  });
});
