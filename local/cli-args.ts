import { parseArgs } from 'node:util';
import { LOCAL_DELIVERY_PORT } from './delivery';

export interface CliOptions {
  readonly files: readonly string[];
  /** Where outputs are copied (`<out>/<jobId>/`); default `<state>/out`. */
  readonly outDir?: string;
  readonly json: boolean;
  readonly concurrency: number;
  readonly clean: boolean;
  /** Keep only the newest N jobs in the state folder (after the run, if videos are given). */
  readonly keep?: number;
  /** Start the review server (if none is running) and keep it up after the run. */
  readonly open: boolean;
  /** Port of the review server to look for or start. */
  readonly port: number;
  readonly stateDir: string;
  readonly help: boolean;
}

export const DEFAULT_STATE_DIR = '.local';
export const DEFAULT_CONCURRENCY = 2;

export const USAGE = `Usage: npm run local -- <video...> [options]
       npm run -s local -- <video...> --json | jq .      (-s: no npm banner on stdout)

Runs the video workflow locally: the same state machine (asl/) and handlers, with s3rver,
dynalite and a local SNS standing in for AWS, and ffmpeg doing MediaConvert's work.

Options:
  --out DIR          copy each job's outputs to DIR/<jobId>/ (default: <state>/out)
  --json             print the final job records as a JSON array on the last line of stdout
  --concurrency N    videos processed at once (default: ${DEFAULT_CONCURRENCY})
  --state DIR        state folder for the stand-ins, logs and outputs (default: ${DEFAULT_STATE_DIR})
  --clean            delete the state folder (then run the videos, if any are given)
  --keep N           keep only the newest N jobs in the state folder (after the run, if any)
  --open             start the review server (npm run local:serve) and keep it up after the run
  --port N           review server port to look for or start (default: ${LOCAL_DELIVERY_PORT})
  -h, --help         show this help

Exit code: 0 when every video ends COMPLETED, 1 otherwise, 2 for a usage error (including a
folder among the videos: the other videos still run), 130 when interrupted (Ctrl-C).`;

export const SERVE_USAGE = `Usage: npm run local:serve -- [--port N] [--state DIR]

Serves the local run's outputs on http://127.0.0.1:<port>/<jobId>/... (the CloudFront paths)
and the review page: / lists the jobs, /jobs/<jobId> shows one.

Options:
  --port N      port on 127.0.0.1 (default: ${LOCAL_DELIVERY_PORT}; 0 picks a free one)
  --state DIR   the state folder of npm run local (default: ${DEFAULT_STATE_DIR})
  -h, --help    show this help`;

/** A command line that cannot be run; the message says what is wrong. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

type Parsed = { values: Record<string, string | boolean | undefined>; positionals: string[] };

function parse(argv: readonly string[], options: NonNullable<Parameters<typeof parseArgs>[0]>['options'], allowPositionals: boolean): Parsed {
  try {
    return parseArgs({ args: [...argv], allowPositionals, strict: true, options }) as Parsed;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function integer(flag: string, raw: string | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? (min === 1 ? 'a positive integer' : `an integer of at least ${min}`) : `an integer from ${min} to ${max}`;
    throw new UsageError(`${flag} must be ${range}, got "${raw}"`);
  }
  return value;
}

const port = (raw: string | undefined) => integer('--port', raw, 0, 65535) ?? LOCAL_DELIVERY_PORT;

export function parseCliArgs(argv: readonly string[]): CliOptions {
  const { values, positionals } = parse(
    argv,
    {
      out: { type: 'string' },
      json: { type: 'boolean', default: false },
      concurrency: { type: 'string' },
      clean: { type: 'boolean', default: false },
      keep: { type: 'string' },
      open: { type: 'boolean', default: false },
      port: { type: 'string' },
      state: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    true,
  );
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const concurrency = integer('--concurrency', str(values.concurrency), 1) ?? DEFAULT_CONCURRENCY;
  const keep = integer('--keep', str(values.keep), 0);
  if (values.out === '') throw new UsageError('--out needs a folder');
  if (values.state === '') throw new UsageError('--state needs a folder');
  const options: CliOptions = {
    files: positionals,
    json: values.json === true,
    concurrency,
    clean: values.clean === true,
    open: values.open === true,
    port: port(str(values.port)),
    stateDir: str(values.state) ?? DEFAULT_STATE_DIR,
    help: values.help === true,
    ...(str(values.out) !== undefined ? { outDir: str(values.out) } : {}),
    ...(keep !== undefined ? { keep } : {}),
  };
  if (!options.help && !options.clean && options.keep === undefined && !options.open && options.files.length === 0) {
    throw new UsageError('No video given');
  }
  return options;
}

export interface ServeOptions {
  readonly port: number;
  readonly stateDir: string;
  readonly help: boolean;
}

export function parseServeArgs(argv: readonly string[]): ServeOptions {
  const { values, positionals } = parse(
    argv,
    { port: { type: 'string' }, state: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
    true,
  );
  if (positionals.length > 0) throw new UsageError(`npm run local:serve takes no file arguments, got "${positionals.join(' ')}"`);
  if (values.state === '') throw new UsageError('--state needs a folder');
  return {
    port: port(typeof values.port === 'string' ? values.port : undefined),
    stateDir: typeof values.state === 'string' ? values.state : DEFAULT_STATE_DIR,
    help: values.help === true,
  };
}
