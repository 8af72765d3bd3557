import { parseArgs } from 'node:util';

export interface CliOptions {
  readonly files: readonly string[];
  /** Where outputs are copied (`<out>/<jobId>/`); default `<state>/out`. */
  readonly outDir?: string;
  readonly json: boolean;
  readonly concurrency: number;
  readonly clean: boolean;
  readonly stateDir: string;
  readonly help: boolean;
}

export const DEFAULT_STATE_DIR = '.local';
export const DEFAULT_CONCURRENCY = 2;

export const USAGE = `Usage: npm run local -- <video...> [options]

Runs the video workflow locally: the same state machine (asl/) and handlers, with s3rver,
dynalite and a local SNS standing in for AWS, and ffmpeg doing MediaConvert's work.

Options:
  --out DIR          copy each job's outputs to DIR/<jobId>/ (default: <state>/out)
  --json             print the final job records as a JSON array on the last line of stdout
  --concurrency N    videos processed at once (default: ${DEFAULT_CONCURRENCY})
  --state DIR        state folder for the stand-ins, logs and outputs (default: ${DEFAULT_STATE_DIR})
  --clean            delete the state folder (then run the videos, if any are given)
  -h, --help         show this help

Exit code: 0 when every video ends COMPLETED, 1 otherwise, 2 for a usage error.`;

/** A command line that cannot be run; the message says what is wrong. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function parseCliArgs(argv: readonly string[]): CliOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        out: { type: 'string' },
        json: { type: 'boolean', default: false },
        concurrency: { type: 'string' },
        clean: { type: 'boolean', default: false },
        state: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  let concurrency = DEFAULT_CONCURRENCY;
  if (values.concurrency !== undefined) {
    concurrency = Number(values.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new UsageError(`--concurrency must be a positive integer, got "${values.concurrency}"`);
    }
  }
  if (values.out === '') throw new UsageError('--out needs a folder');
  if (values.state === '') throw new UsageError('--state needs a folder');
  const options: CliOptions = {
    files: positionals,
    json: values.json ?? false,
    concurrency,
    clean: values.clean ?? false,
    stateDir: values.state ?? DEFAULT_STATE_DIR,
    help: values.help ?? false,
    ...(values.out !== undefined ? { outDir: values.out } : {}),
  };
  if (!options.help && !options.clean && options.files.length === 0) {
    throw new UsageError('No video given');
  }
  return options;
}
