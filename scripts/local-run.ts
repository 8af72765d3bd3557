/**
 * `npm run local -- <video...> [--out DIR] [--json] [--concurrency N] [--state DIR] [--clean]`
 * Runs the workflow on real videos locally; see docs/local-run.md.
 */
import { prestartEngine, releasePrestartedEngine } from '../local/engine-prestart';

// The engine process starts loading before this one loads the CLI (local/engine-prestart.ts).
prestartEngine();
import('../local/cli')
  .then(({ main }) => main(process.argv.slice(2)))
  .then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  )
  .finally(releasePrestartedEngine);
