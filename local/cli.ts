import { createWriteStream, existsSync, statSync } from 'node:fs';
import { mkdir, readdir, rm, rmdir, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { REVIEW_APP_ID, type ServerInfo } from '../review/api';
import { DEFAULT_STATE_DIR, parseCliArgs, UsageError, USAGE, type CliOptions } from './cli-args';
import { localDeliveryBaseUrl } from './delivery';
import { ENGINE_BUILD_DIR, engineBundle } from './engine-bundle';
import { forkEngine, takePrestartedEngine } from './engine-prestart';
import type { EngineMessage, EngineRequest, EngineStart } from './engine';
import { ffmpegRuns } from './ffmpeg';
import { readJournalEntry, writeJournalEntry } from './job-journal';
import { createProgressDisplay, summaryTable, type Writable } from './progress';
import type { RunEvent, VideoResult } from './runtime';
import { lockStateFolder, StateFolderBusy, type StateLock } from './state-lock';
import { folderSize, formatBytes, pruneJobs } from './state-prune';
import { stateLayout } from './state-layout';

/** Written into every state folder; `--clean` refuses to delete a folder without it. */
export const STATE_MARKER = '.video-workflow-local';

/** Exit code after Ctrl-C (128 + SIGINT), as shells report it. */
export const EXIT_INTERRUPTED = 130;

export const FFMPEG_MISSING = `ffmpeg and ffprobe are needed (they do MediaConvert's work locally) and were not found on PATH.
Install them, then run again:
  Debian/Ubuntu: sudo apt-get install ffmpeg
  macOS:         brew install ffmpeg
  Windows:       winget install ffmpeg
Or point FFMPEG_PATH and FFPROBE_PATH at the binaries.`;

export interface CliIo {
  readonly stdout: Writable & { isTTY?: boolean };
  readonly stderr: Writable;
  /** Resolves on Ctrl-C; `--open` waits on it before stopping the server. Default: SIGINT/SIGTERM. */
  readonly untilStopped?: () => Promise<void>;
  /** Called on each Ctrl-C; default: process SIGINT. Returns an unsubscribe function. */
  readonly onInterrupt?: (handler: () => void) => () => void;
}

const processInterrupts = (handler: () => void) => {
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
};

const untilSignal = () => new Promise<void>((done) => {
  const off = processInterrupts(() => {
    off();
    done();
  });
});

/**
 * Deletes the state folder, if it is one (has the marker) or is empty. With `except`, that entry
 * (the lock of the run doing the cleaning) stays, and so does the folder.
 */
export async function cleanState(stateDir: string, except?: string): Promise<'removed' | 'absent'> {
  const dir = resolve(stateDir);
  if (!existsSync(dir)) return 'absent';
  const entries = (await readdir(dir)).filter((e) => e !== except);
  if (entries.length > 0 && !entries.includes(STATE_MARKER)) {
    throw new UsageError(`${dir} is not a local-run state folder (no ${STATE_MARKER} file); not deleting it`);
  }
  if (except === undefined) await rm(dir, { recursive: true, force: true });
  else await Promise.all(entries.map((e) => rm(join(dir, e), { recursive: true, force: true })));
  return 'removed';
}

/** A folder flag (--state, --out): an existing file or an uncreatable path is a usage error. */
async function ensureFolder(flag: string, dir: string): Promise<void> {
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new UsageError(`${flag} ${dir} is a file, not a folder`);
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new UsageError(`${flag} ${dir} cannot be created (${e.code ?? e.message}): ${e.code === 'ENOTDIR' || e.code === 'EEXIST' ? 'a file is in the way' : e.message}`);
  }
}

/**
 * Runs the request in the engine (local/engine.ts, from its bundle: local/engine-bundle.ts): the
 * one prestarted by scripts/local-run.ts when there is one, else a fresh fork. Its output goes to
 * the log file; resolves with the results.
 */
async function runInEngine(request: EngineRequest, logPath: string, onMessage: (m: EngineMessage) => void, stop: AbortSignal): Promise<VideoResult[]> {
  const child = takePrestartedEngine() ?? forkEngine(await engineBundle());
  const log = createWriteStream(logPath, { flags: 'a' });
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  // The engine kills its ffmpeg processes and exits on SIGTERM (engine.ts).
  const onStop = () => child.kill('SIGTERM');
  stop.addEventListener('abort', onStop, { once: true });
  return new Promise((resolvePromise, reject) => {
    let results: VideoResult[] | undefined;
    let fatal: string | undefined;
    child.on('message', (m: EngineMessage) => {
      if (m.type === 'done') results = m.results;
      else if (m.type === 'fatal') fatal = m.message;
      else onMessage(m);
    });
    child.on('error', reject);
    // 'close', not 'exit': the engine's last output lines are in the log before anyone points at it.
    child.on('close', (code, signal) => {
      stop.removeEventListener('abort', onStop);
      log.end(() => {
        if (results) resolvePromise(results);
        else reject(new Error(fatal ?? `the local engine exited with ${code ?? signal} before finishing; see ${logPath}`));
      });
    });
    const start: EngineStart = { type: 'run', request };
    child.send(start);
  });
}

/** The review server on `port`, if one is running for this state folder. */
export async function findReviewServer(port: number, stateDir: string): Promise<string | undefined> {
  const base = localDeliveryBaseUrl(port);
  try {
    const res = await fetch(`${base}/api/server`, { signal: AbortSignal.timeout(1500) });
    const info = (await res.json()) as Partial<ServerInfo>;
    return info.app === REVIEW_APP_ID && info.stateDir === stateDir ? base : undefined;
  } catch {
    return undefined;
  }
}

interface Progress {
  jobId?: string;
  stage?: string;
  finished: boolean;
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
  const outDir = options.outDir !== undefined ? resolve(userDir, options.outDir) : undefined;

  // Everything the user typed is checked before any work starts.
  const given = options.files.map((f) => resolve(userDir, f));
  const folders = given.filter((f) => existsSync(f) && statSync(f).isDirectory());
  for (const f of folders) io.stderr.write(`Skipping ${f}: it is a folder, not a video file (give the files inside it)\n`);
  const files = given.filter((f) => !folders.includes(f));
  // Answered while the folders are checked (and the engine loads, scripts/local-run.ts).
  const ffmpegCheck = files.length > 0 ? ffmpegRuns() : Promise.resolve(true);
  const usageProblem = folders.length > 0;
  const cleanOnly = options.clean && files.length === 0 && options.keep === undefined && !options.open;
  const stateExisted = existsSync(stateDir);
  try {
    await ensureFolder('--state', stateDir);
    if (outDir !== undefined) await ensureFolder('--out', outDir);
  } catch (err) {
    io.stderr.write(`${(err as Error).message}\n`);
    return 2;
  }
  if (files.length === 0 && usageProblem && !options.clean && options.keep === undefined && !options.open) return 2;
  if (!(await ffmpegCheck)) {
    io.stderr.write(`${FFMPEG_MISSING}\n`);
    return 1;
  }

  const layout = stateLayout(stateDir);
  let lock: StateLock;
  try {
    lock = lockStateFolder(stateDir, `npm run local ${argv.join(' ')}`.trim());
  } catch (err) {
    if (!(err instanceof StateFolderBusy)) throw err;
    io.stderr.write(`${err.message}\n`);
    return 2;
  }
  let server: { url: string; close(): Promise<void> } | undefined;
  try {
    if (options.clean) {
      try {
        const outcome = stateExisted ? await cleanState(stateDir, basename(layout.lock)) : 'absent';
        io.stderr.write(outcome === 'removed' ? `Removed ${stateDir}\n` : `Nothing to clean at ${stateDir}\n`);
      } catch (err) {
        io.stderr.write(`${(err as Error).message}\n`);
        return 2;
      }
      if (cleanOnly) return usageProblem ? 2 : 0;
    }
    await mkdir(layout.logs, { recursive: true });
    await writeFile(join(stateDir, STATE_MARKER), 'State of `npm run local`; delete with `npm run local -- --clean`.\n');

    // With --json, stdout carries only the JSON; everything for people goes to stderr.
    const human: Writable = options.json ? io.stderr : io.stdout;
    let reviewBase = await findReviewServer(options.port, stateDir);
    if (!reviewBase && options.open) {
      const { startReviewServer } = await import('../review/server');
      try {
        server = await startReviewServer({ stateDir, port: options.port });
      } catch (err) {
        io.stderr.write(`${(err as Error).message}\n`);
        return 2;
      }
      reviewBase = server.url;
    }
    if (reviewBase) human.write(`Review page: ${reviewBase}/\n`);

    let code = usageProblem ? 2 : 0;
    if (files.length > 0) {
      const ran = await runFiles(options, files, stateDir, outDir, human, io, reviewBase);
      if (ran === EXIT_INTERRUPTED) return EXIT_INTERRUPTED;
      if (code === 0) code = ran;
    }
    if (options.keep !== undefined) {
      const pruned = await pruneJobs(stateDir, options.keep);
      if (pruned.removedJobs.length > 0) human.write(`Removed ${pruned.removedJobs.length} older job(s); kept the newest ${pruned.keptJobs} (--keep ${options.keep}).\n`);
    }
    human.write(`State folder ${stateDir}: ${formatBytes(await folderSize(stateDir))} (npm run local -- --keep N or --clean to shrink it).\n`);
    if (server) {
      lock.release();
      human.write(`Serving the review page at ${server.url}/ (Ctrl-C to stop).\n`);
      await (io.untilStopped ?? untilSignal)();
    }
    return code;
  } finally {
    await server?.close();
    lock.release();
    // --clean alone leaves no folder behind (the lock was its last entry).
    if (cleanOnly) await rmdir(stateDir).catch(() => undefined);
  }
}

/** Runs the files in the engine; prints the summary; returns 0, 1, or 130 when interrupted. */
async function runFiles(
  options: CliOptions,
  files: readonly string[],
  stateDir: string,
  outDir: string | undefined,
  human: Writable,
  io: CliIo,
  reviewBase: string | undefined,
): Promise<number> {
  const layout = stateLayout(stateDir);
  const logPath = join(layout.logs, `run-${new Date().toISOString().replace(/[:.]/g, '-')}.log`);
  const tty = !options.json && io.stdout.isTTY === true;
  const display = createProgressDisplay(files, human, tty);
  const progress = new Map<string, Progress>(files.map((f) => [f, { finished: false }]));
  const track = (event: RunEvent) => {
    const p = progress.get(event.file);
    if (!p) return;
    if (event.type === 'started') p.jobId = event.jobId;
    else if (event.type === 'stage') p.stage = event.stage;
    else if (event.type === 'finished') p.finished = true;
  };
  const stop = new AbortController();
  const unsubscribe = (io.onInterrupt ?? processInterrupts)(() => stop.abort());
  const started = Date.now();
  let results: VideoResult[];
  try {
    results = await runInEngine(
      { files, stateDir, concurrency: options.concurrency, cacheDir: ENGINE_BUILD_DIR, ...(outDir !== undefined ? { outDir } : {}) },
      logPath,
      (m) => {
        if (m.type !== 'event') return;
        track(m.event);
        display.handle(m.event);
      },
      stop.signal,
    );
  } catch (err) {
    display.stop();
    if (stop.signal.aborted) {
      await reportInterrupt(stateDir, progress, human);
      return EXIT_INTERRUPTED;
    }
    io.stderr.write(`Local run failed: ${(err as Error).message}\nHandler and stand-in log: ${logPath}\n`);
    return 1;
  } finally {
    unsubscribe();
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
    if (r.jobId && reviewBase) human.write(`${r.file}: review ${reviewBase}/jobs/${r.jobId}\n`);
  }
  human.write(`\nWall time ${((Date.now() - started) / 1000).toFixed(1)}s. Log: ${logPath}. Notifications: ${layout.notifications}\n`);
  if (!reviewBase && results.some((r) => r.jobId)) human.write(`See the jobs in a browser: npm run local:serve${options.stateDir === DEFAULT_STATE_DIR ? '' : ` -- --state ${stateDir}`}\n`);
  if (options.json) {
    io.stdout.write(`${JSON.stringify(results.map(jsonRecord))}\n`);
  }
  return results.every((r) => r.status === 'COMPLETED') ? 0 : 1;
}

/**
 * After Ctrl-C: the engine has killed its ffmpeg processes and exited. Removes the transcoder's
 * scratch folder, records each interrupted job as FAILED (Interrupted, in the state it was in)
 * in the journal, and says what was interrupted.
 */
async function reportInterrupt(stateDir: string, progress: Map<string, Progress>, out: Writable): Promise<void> {
  const layout = stateLayout(stateDir);
  await rm(layout.work, { recursive: true, force: true });
  const lines: string[] = [];
  for (const [file, p] of progress) {
    if (p.finished) lines.push(`  ${file}: finished before the interrupt`);
    else if (!p.jobId) lines.push(`  ${file}: not started`);
    else {
      lines.push(`  ${file}: interrupted in ${p.stage ?? 'its first state'} (job ${p.jobId})`);
      const entry = await readJournalEntry(stateDir, p.jobId);
      if (entry && entry.status !== 'COMPLETED' && entry.status !== 'FAILED') {
        await writeJournalEntry(stateDir, {
          ...entry,
          status: 'FAILED',
          finishedAt: new Date().toISOString(),
          error: { name: 'Interrupted', cause: `npm run local was interrupted (Ctrl-C) while the job was in ${p.stage ?? 'its first state'}` },
          ...(p.stage ? { failedState: p.stage } : {}),
        });
      }
    }
  }
  out.write(`\nInterrupted (Ctrl-C). Stopped the run and removed its scratch files (${layout.work}).\n${lines.join('\n')}\n`);
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
