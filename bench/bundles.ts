import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buildSync } from 'esbuild';
import { unzipSync } from 'fflate';
import { lambdaBuildOptions, PROJECT_ROOT } from '../stacks/lib/bundle';
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

/** The figure of measureObservabilityBaseline (not a handler: no goal of its own). */
export const OBSERVABILITY_BASELINE = 'observability baseline, Tracer + Logger and no handler: init';

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
      return { name, zipBytes: statSync(path).size, files: Object.keys(entries).sort(), initMs: measureInit(dir, runs) };
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Module init of `dir/index.js`: median of `runs` fresh node processes with the function's environment. */
function measureInit(dir: string, runs: number): Summary {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const { stdout } = timeCommand(process.execPath, ['-e', INIT_SNIPPET], { cwd: dir, env: { ...FUNCTION_ENV, LAMBDA_TASK_ROOT: dir } });
    samples.push(Number(stdout.trim().split('\n').pop()));
  }
  return summarize(samples);
}

/**
 * What every function loads before its own code: the entry's wrapper (withLambdaContext) with
 * Powertools Tracer and Logger, built with the handlers' esbuild options and measured like them.
 * Set against the 60 ms init goal, it shows how much of the budget the required observability
 * takes on the machine at hand.
 */
export function measureObservabilityBaseline(runs: number): Summary {
  const work = mkdtempSync(join(tmpdir(), 'bench-baseline-'));
  try {
    const entry = join(work, 'entry.ts');
    const shared = join(PROJECT_ROOT, 'handlers', 'shared');
    writeFileSync(
      entry,
      [
        `export { withLambdaContext } from ${JSON.stringify(join(shared, 'lambda-context'))};`,
        `export { tracer } from ${JSON.stringify(join(shared, 'tracing'))};`,
        `export { logger } from ${JSON.stringify(join(shared, 'logger'))};`,
        '',
      ].join('\n'),
    );
    const [output] = buildSync(lambdaBuildOptions({ index: entry })).outputFiles;
    writeFileSync(join(work, 'index.js'), output.contents);
    return measureInit(work, runs);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
