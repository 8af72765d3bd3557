/**
 * The "local cloud" process. The CLI forks it with stdout/stderr going to a log file, because
 * the handlers' logger (Powertools) writes JSON lines to stdout, as in Lambda; the CLI's own
 * output stays readable and `--json` stays parseable. Progress and results travel over IPC.
 */
import './polyfills';
import { mapBounded } from './pool';
import { startLocalRuntime, type RunEvent, type VideoResult } from './runtime';

export interface EngineRequest {
  readonly files: readonly string[];
  readonly stateDir: string;
  readonly outDir?: string;
  readonly concurrency: number;
}

export type EngineMessage =
  | { readonly type: 'event'; readonly event: RunEvent }
  | { readonly type: 'ready'; readonly endpoints: Record<string, string> }
  | { readonly type: 'done'; readonly results: VideoResult[] }
  | { readonly type: 'fatal'; readonly message: string };

/** Runs every file through the workflow with bounded concurrency. */
export async function runEngine(request: EngineRequest, send: (message: EngineMessage) => void, signal?: AbortSignal): Promise<VideoResult[]> {
  const runtime = await startLocalRuntime({
    stateDir: request.stateDir,
    ...(signal ? { signal } : {}),
    ...(request.outDir !== undefined ? { outDir: request.outDir } : {}),
    onEvent: (event) => send({ type: 'event', event }),
  });
  send({
    type: 'ready',
    endpoints: { s3: runtime.standIns.s3Endpoint, dynamodb: runtime.standIns.dynamodbEndpoint, sns: runtime.standIns.snsEndpoint },
  });
  try {
    return await mapBounded(request.files, request.concurrency, (file) => runtime.runFile(file));
  } finally {
    await runtime.close();
  }
}

function sendToParent(message: EngineMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) {
      process.stderr.write(`${JSON.stringify(message)}\n`);
      resolve();
      return;
    }
    process.send(message, undefined, {}, () => resolve());
  });
}

if (require.main === module) {
  const request = JSON.parse(process.argv[2] ?? '{}') as EngineRequest;
  // Ctrl-C reaches this process from the terminal (SIGINT) and from the CLI (SIGTERM): the abort
  // kills every running ffmpeg (runFfmpeg's abort listener) before the process exits; the CLI
  // then removes the scratch files and says what was interrupted.
  const stop = new AbortController();
  const onSignal = () => {
    stop.abort();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  runEngine(request, (m) => void sendToParent(m), stop.signal)
    .then(async (results) => {
      await sendToParent({ type: 'done', results });
      process.exit(0);
    })
    .catch(async (err: unknown) => {
      console.error(err);
      await sendToParent({ type: 'fatal', message: err instanceof Error ? err.message : String(err) });
      process.exit(1);
    });
}
