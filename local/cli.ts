import { fork } from 'node:child_process';
import { existsSync, openSync, closeSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEFAULT_STATE_DIR, parseCliArgs, UsageError, USAGE, type CliOptions } from './cli-args';
import type { EngineMessage, EngineRequest } from './engine';
import { createProgressDisplay, summaryTable, type Writable } from './progress';
import type { VideoResult } from './runtime';
import { stateLayout } from './state-layout';

/** Written into every state folder; `--clean` refuses to delete a folder without it. */
export const STATE_MARKER = '.video-workflow-local';

export interface CliIo {
  readonly stdout: Writable & { isTTY?: boolean };
  readonly stderr: Writable;
}

/** Deletes the state folder, if it is one (has the marker) or is empty. */
export async function cleanState(stateDir: string): Promise<'removed' | 'absent'> {
  const dir = resolve(stateDir);
  if (!existsSync(dir)) return 'absent';
  const entries = await readdir(dir);
  if (entries.length > 0 && !entries.includes(STATE_MARKER)) {
    throw new UsageError(`${dir} is not a local-run state folder (no ${STATE_MARKER} file); not deleting it`);
  }
  await rm(dir, { recursive: true, force: true });
  return 'removed';
}

/** Forks the engine (local/engine.ts) with its output in a log file; resolves with the results. */
function runInEngine(request: EngineRequest, logPath: string, onMessage: (m: EngineMessage) => void): Promise<VideoResult[]> {
  const log = openSync(logPath, 'a');
  const child = fork(join(__dirname, 'engine.ts'), [JSON.stringify(request)], {
    execArgv: ['--import', pathToFileURL(require.resolve('tsx')).href],
    stdio: ['ignore', log, log, 'ipc'],
  });
  closeSync(log);
  return new Promise((resolvePromise, reject) => {
    let results: VideoResult[] | undefined;
    let fatal: string | undefined;
    child.on('message', (m: EngineMessage) => {
      if (m.type === 'done') results = m.results;
      else if (m.type === 'fatal') fatal = m.message;
      else onMessage(m);
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (results) resolvePromise(results);
      else reject(new Error(fatal ?? `the local engine exited with ${code ?? signal} before finishing; see ${logPath}`));
    });
  });
}

/** `npm run local -- <file...>`; returns the exit code. */
export async function main(argv: readonly string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  let options: CliOptions;
  try {
    options = parseCliArgs(argv);
  } catch (err) {
    io.stderr.write(`${(err as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (options.help) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  // `npm run` starts scripts in the package folder; paths the user typed are relative to where
  // they typed them (INIT_CWD). The default state folder stays in the package folder (git-ignored).
  const userDir = process.env.INIT_CWD ?? process.cwd();
  const stateDir = options.stateDir === DEFAULT_STATE_DIR ? resolve(DEFAULT_STATE_DIR) : resolve(userDir, options.stateDir);
  if (options.clean) {
    try {
      const outcome = await cleanState(stateDir);
      io.stderr.write(outcome === 'removed' ? `Removed ${stateDir}\n` : `Nothing to clean at ${stateDir}\n`);
    } catch (err) {
      io.stderr.write(`${(err as Error).message}\n`);
      return 2;
    }
    if (options.files.length === 0) return 0;
  }

  const layout = stateLayout(stateDir);
  await mkdir(layout.logs, { recursive: true });
  await writeFile(join(stateDir, STATE_MARKER), 'State of `npm run local`; delete with `npm run local -- --clean`.\n');
  const logPath = join(layout.logs, `run-${new Date().toISOString().replace(/[:.]/g, '-')}.log`);

  // With --json, stdout carries only the JSON; everything for people goes to stderr.
  const human: Writable = options.json ? io.stderr : io.stdout;
  const tty = !options.json && io.stdout.isTTY === true;
  const files = options.files.map((f) => resolve(userDir, f));
  const display = createProgressDisplay(files, human, tty);
  const started = Date.now();
  let results: VideoResult[];
  try {
    results = await runInEngine(
      {
        files,
        stateDir,
        concurrency: options.concurrency,
        ...(options.outDir !== undefined ? { outDir: resolve(userDir, options.outDir) } : {}),
      },
      logPath,
      (m) => {
        if (m.type === 'event') display.handle(m.event);
      },
    );
  } catch (err) {
    display.stop();
    io.stderr.write(`Local run failed: ${(err as Error).message}\nHandler and stand-in log: ${logPath}\n`);
    return 1;
  }
  display.stop();

  human.write(`\n${summaryTable(results, files)}\n`);
  for (const r of results) {
    if (r.error) human.write(`\n${r.file}: ${r.error.name}: ${r.error.cause}\n`);
    if (r.localWarnings.length > 0) {
      human.write(`\n${r.file}: ${r.localWarnings.length} local warning(s):\n${r.localWarnings.map((w) => `  - ${w}`).join('\n')}\n`);
    }
    if (r.status === 'COMPLETED' && r.jobId) {
      const where = r.outputs.hls ?? r.outputs.mp4[0];
      if (where) human.write(`\n${r.file}: outputs in ${resolve(where, '..', '..')}\n`);
    }
  }
  human.write(`\nWall time ${((Date.now() - started) / 1000).toFixed(1)}s. Log: ${logPath}. Notifications: ${layout.notifications}\n`);
  if (options.json) {
    io.stdout.write(`${JSON.stringify(results.map(jsonRecord))}\n`);
  }
  return results.every((r) => r.status === 'COMPLETED') ? 0 : 1;
}

/** The job record as `--json` prints it: the stored record with outputs as local paths. */
export function jsonRecord(r: VideoResult): Record<string, unknown> {
  return {
    ...(r.record ?? {}),
    file: r.file,
    ...(r.jobId ? { jobId: r.jobId } : {}),
    status: r.status,
    ...(r.error ? { error: r.error } : {}),
    outputs: r.outputs,
    ...(r.s3Outputs ? { s3Outputs: r.s3Outputs } : {}),
    localWarnings: r.localWarnings,
    wallMs: r.wallMs,
    ...(r.transcodeMs !== undefined ? { transcodeMs: r.transcodeMs } : {}),
    ...(r.ffmpegArgs !== undefined ? { ffmpegArgs: r.ffmpegArgs } : {}),
    ...(r.measureMs !== undefined ? { measureMs: r.measureMs } : {}),
    ...(r.measureArgs !== undefined ? { measureArgs: r.measureArgs } : {}),
    ...(r.executionStatus ? { executionStatus: r.executionStatus } : {}),
  };
}
