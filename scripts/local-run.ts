/**
 * `npm run local -- <video...> [--out DIR] [--json] [--concurrency N] [--state DIR] [--clean]`
 * Runs the workflow on real videos locally; see docs/local-run.md.
 */
import { main } from '../local/cli';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);
