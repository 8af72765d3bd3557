/**
 * Deterministic packaging, checked the only way that proves it: two separate
 * `node --import tsx main.ts` processes that each rebuild every Lambda bundle (BUNDLE_CACHE=off)
 * must write byte-identical cdk.tf.json and zips. An end-to-end test (~20 s): `npm run test:e2e`.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../../stacks/lib/bundle';
import { STATE_STACK, StackName, SynthResult, synthApp, TEST_STATE_BUCKET, WORKFLOW_STACKS } from '../helpers/synth';

const run = promisify(execFile);
const ALL_STACKS: StackName[] = [STATE_STACK, ...WORKFLOW_STACKS];

let app: SynthResult;
beforeAll(() => {
  app = synthApp();
});

describe('deterministic packaging', () => {
  const outdirs: string[] = [];
  const stackDir = (outdir: string, name: string) => join(outdir, 'stacks', name);
  const read = (outdir: string, name: string) => readFileSync(join(stackDir(outdir, name), 'cdk.tf.json'), 'utf8');

  beforeAll(async () => {
    // Two separate processes, each rebuilding every bundle (BUNDLE_CACHE=off), one after the other: both write the shared
    // .build/lambda/ zips, and overlapping writers could race.
    for (let i = 0; i < 2; i++) {
      const outdir = mkdtempSync(join(tmpdir(), `video-workflow-determinism-${i}-`));
      outdirs.push(outdir);
      await run(process.execPath, ['--import', 'tsx', 'main.ts'], {
        cwd: PROJECT_ROOT,
        env: { ...process.env, BUNDLE_CACHE: 'off', CDKTF_OUTDIR: outdir, TF_STATE_BUCKET: TEST_STATE_BUCKET, TF_STATE_REGION: '', TF_STATE_KEY_PREFIX: '' },
        timeout: 120_000,
      });
    }
  }, 240_000);

  afterAll(() => {
    for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
  });

  it.each(ALL_STACKS)('%s: two synths in separate processes write byte-identical cdk.tf.json, equal to the in-process synth', (name) => {
    const [first, second] = outdirs.map((dir) => read(dir, name));
    expect(second).toBe(first);
    expect(app.stack(name).raw).toBe(first);
  });

  it.each(WORKFLOW_STACKS)('%s: every zip is byte-identical across processes and matches its source_code_hash', (name) => {
    const functions = JSON.parse(read(outdirs[0], name)).resource.aws_lambda_function as Record<string, { filename: string; source_code_hash: string }>;
    expect(Object.keys(functions).length).toBeGreaterThanOrEqual(10);
    for (const fn of Object.values(functions)) {
      expect(isAbsolute(fn.filename)).toBe(false);
      const [a, b] = outdirs.map((dir) => readFileSync(join(stackDir(dir, name), fn.filename)));
      expect(a.equals(b)).toBe(true);
      expect(createHash('sha256').update(a).digest('base64')).toBe(fn.source_code_hash);
    }
  });

});
