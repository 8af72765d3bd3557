/**
 * `npm run local:serve -- [--port N] [--state DIR]`: serves the local run's outputs and the
 * review page on 127.0.0.1 until Ctrl-C; see docs/local-run.md.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEFAULT_STATE_DIR, parseServeArgs, SERVE_USAGE } from '../local/cli-args';
import { PortInUse, startReviewServer } from '../review/server';

async function main(argv: readonly string[]): Promise<number> {
  let options;
  try {
    options = parseServeArgs(argv);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${SERVE_USAGE}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${SERVE_USAGE}\n`);
    return 0;
  }
  const userDir = process.env.INIT_CWD ?? process.cwd();
  const stateDir = options.stateDir === DEFAULT_STATE_DIR ? resolve(DEFAULT_STATE_DIR) : resolve(userDir, options.stateDir);
  if (existsSync(stateDir) && !statSync(stateDir).isDirectory()) {
    process.stderr.write(`--state ${stateDir} is a file, not a folder\n`);
    return 2;
  }
  let server;
  try {
    server = await startReviewServer({ stateDir, port: options.port });
  } catch (err) {
    if (!(err instanceof PortInUse)) throw err;
    process.stderr.write(`${err.message}\n`);
    return 2;
  }
  process.stdout.write(
    `Review page: ${server.url}/  (jobs of ${stateDir}${existsSync(stateDir) ? '' : ', none yet'})\n` +
      `Outputs:     ${server.url}/<jobId>/...  (the CloudFront paths)\nCtrl-C to stop.\n`,
  );
  await new Promise<void>((done) => {
    process.once('SIGINT', () => done());
    process.once('SIGTERM', () => done());
  });
  await server.close();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`npm run local:serve failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
