import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { unzipSync } from 'fflate';
import { summarize, timeCommand, type Summary } from './stats';

/** What the issue measures: the time to `require` the bundle, printed by the child itself. */
export const INIT_SNIPPET =
  "const t=process.hrtime.bigint(); require('./index.js'); console.log(Number(process.hrtime.bigint()-t)/1e6)";

/**
 * Environment the functions get from the stack and from Lambda, so module scope code does what it
 * does there: AWS_EXECUTION_ENV turns the Powertools Tracer on (it disables itself outside Lambda),
 * so the measured init includes the X-Ray SDK patching http/https, as a cold start does.
 */
const FUNCTION_ENV: NodeJS.ProcessEnv = {
  AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
  AWS_REGION: 'us-east-1',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
};

/** Noted on every module init figure measured this way (docs say whether the Tracer was in it). */
export const TRACER_ON_NOTE = 'Tracer on (AWS_EXECUTION_ENV set, as in Lambda)';

export interface BundleFigure {
  readonly name: string;
  readonly zipBytes: number;
  readonly files: readonly string[];
  readonly initMs: Summary;
}

/** Zip size and module init time (median of `runs` fresh node processes) of every .build/lambda/*.zip. */
export function measureBundles(buildDir: string, runs: number): BundleFigure[] {
  const zips = readdirSync(buildDir)
    .filter((f) => f.endsWith('.zip'))
    .sort();
  if (zips.length === 0) throw new Error(`no bundles in ${buildDir}: run a synth first`);
  const work = mkdtempSync(join(tmpdir(), 'bench-bundles-'));
  try {
    return zips.map((zip) => {
      const name = zip.replace(/\.zip$/, '');
      const path = join(buildDir, zip);
      const dir = join(work, name);
      const entries = unzipSync(readFileSync(path));
      for (const [file, content] of Object.entries(entries)) {
        mkdirSync(dirname(join(dir, file)), { recursive: true });
        writeFileSync(join(dir, file), content);
      }
      const samples: number[] = [];
      for (let i = 0; i < runs; i++) {
        const { stdout } = timeCommand(process.execPath, ['-e', INIT_SNIPPET], { cwd: dir, env: { ...FUNCTION_ENV, LAMBDA_TASK_ROOT: dir } });
        samples.push(Number(stdout.trim().split('\n').pop()));
      }
      return { name, zipBytes: statSync(path).size, files: Object.keys(entries).sort(), initMs: summarize(samples) };
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
