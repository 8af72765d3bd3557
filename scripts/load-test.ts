/**
 * `npm run test:load -- [--jobs N] [--concurrency C] [--faults LIST|all|none] [--seed S] [--json]`
 * Ten thousand uploads in a burst (or N) through the real ingest and workflow code with faults
 * injected; exits 1 when an upload is lost, an object version runs twice or progress regresses.
 * See docs/scale.md. Handler logs and EMF metrics are silenced before the handlers load.
 */
import { parseArgs } from 'node:util';
import { ALL_FAULTS, FAULTS, parseFaults } from '../local/load/faults';
import { FAULT_RATES, type FaultRates } from '../local/load/rates';

process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
// The handlers' EMF metric lines would bury the report (and break `--json | jq`).
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

const USAGE = `usage: npm run -s test:load -- [--jobs N] [--concurrency C] [--faults LIST|all|none] [--seed S] [--json]
  --jobs N          synthetic uploads in the burst (default 500)
  --concurrency C   concurrent start-workflow invocations (default 10, the stacks' maximum_concurrency)
  --faults LIST     comma-separated, or all / none (default none):
${ALL_FAULTS.map((f) => `                      ${f}: ${FAULTS[f]}`).join('\n')}
  --seed S          seed for where faults land (default 1)
  --rate NAME=P     how often a fault lands, 0..1 (repeatable; defaults: ${Object.entries(FAULT_RATES).map(([k, v]) => `${k}=${v}`).join(' ')})
  --sabotage ack-before-start   break the ingest path on purpose (the run must then fail)
  --json            print one JSON object as the last line`;

function parseRates(specs: readonly string[]): Partial<FaultRates> {
  const out: Partial<FaultRates> = {};
  for (const spec of specs) {
    const [name, value] = spec.split('=');
    if (!name || !(name in FAULT_RATES)) throw new Error(`--rate: unknown rate "${name}" (known: ${Object.keys(FAULT_RATES).join(', ')})`);
    const p = Number(value);
    if (!(p >= 0 && p <= 1)) throw new Error(`--rate ${name}: must be a number from 0 to 1, got "${value}"`);
    out[name as keyof FaultRates] = p;
  }
  return out;
}

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got "${value}"`);
  return n;
}

async function main(argv: string[]): Promise<number> {
  let opts;
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        jobs: { type: 'string' },
        concurrency: { type: 'string' },
        faults: { type: 'string' },
        seed: { type: 'string' },
        sabotage: { type: 'string' },
        rate: { type: 'string', multiple: true },
        json: { type: 'boolean' },
        help: { type: 'boolean' },
      },
      strict: true,
    });
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    if (values.sabotage !== undefined && values.sabotage !== 'ack-before-start') throw new Error(`--sabotage: only ack-before-start exists, got "${values.sabotage}"`);
    opts = {
      jobs: positiveInt('jobs', values.jobs, 500),
      concurrency: positiveInt('concurrency', values.concurrency, 10),
      faults: parseFaults(values.faults ?? 'none'),
      seed: positiveInt('seed', values.seed, 1),
      json: values.json === true,
      rates: parseRates(values.rate ?? []),
      ...(values.sabotage ? { sabotage: 'ack-before-start' as const } : {}),
    };
  } catch (err) {
    console.error(`test:load: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const { runLoad } = await import('../local/load/harness');
  const report = await runLoad({ ...opts, onProgress: (line) => console.error(`test:load: ${line}`) });
  const { violations, injected, ...figures } = report;
  if (!opts.json) {
    console.log(`jobs ${figures.jobs}: completed ${figures.completed}, failed ${figures.failed}, rejected ${figures.rejected}, in DLQ ${figures.inDlq}, lost ${figures.lost}`);
    console.log(`duplicate executions ${figures.duplicateExecutions}, regressed progress ${figures.regressedProgress}`);
    console.log(`${figures.wallSeconds} s, ${figures.jobsPerSecond} jobs/s, peak RSS ${figures.peakRssMb} MB`);
    console.log(`faults [${[...opts.faults].join(', ') || 'none'}]: ${JSON.stringify(injected)}`);
  }
  for (const v of violations) console.error(`test:load: FAILED: ${v}`);
  if (opts.json) console.log(JSON.stringify({ ...figures, faults: [...opts.faults], injected }));
  return violations.length === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`test:load: ${(err as Error)?.stack ?? String(err)}`);
    process.exitCode = 1;
  },
);
