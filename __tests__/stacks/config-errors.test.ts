import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');

/** `cdktf synth` runs `node --import tsx main.ts` (cdktf.json); this runs the same command. */
function synthApp(env: NodeJS.ProcessEnv) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'main.ts'], {
    cwd: ROOT,
    encoding: 'utf8',
    // An output folder of its own: the test must not depend on an earlier synth's cdktf.out/.
    env: { ...process.env, CDKTF_OUTDIR: mkdtempSync(join(tmpdir(), 'config-error-test-')), ...env },
  });
}

describe('synth on a wrong setting', () => {
  it.each([
    [{ VIDEO_WORKFLOW_ENVIRONMENTS: 'qa' }, 'Configuration error: Unknown environment "qa": allowed values are dev, staging, prod\n'],
    [
      { TF_STATE_BUCKET: 'Bad_Bucket' },
      'Configuration error: TF_STATE_BUCKET (context stateBucket) "Bad_Bucket" is not a valid S3 bucket name: 3-63 characters, lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit.\n',
    ],
  ])('%j prints the message alone (no stack trace) and exits 1', (env, message) => {
    // Act
    const run = synthApp(env);

    // Assess
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(message);
  });
});
