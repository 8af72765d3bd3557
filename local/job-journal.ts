/**
 * The local run's journal: one JSON file per job under `<state>/jobs/`, written by the runtime
 * as the job starts and when it ends, read by `npm run local:serve`. The job record itself lives
 * in dynalite, whose LevelDB folder only one process can open; the journal lets the review
 * server read jobs while a run is going on, and adds what the record does not keep: the state
 * path with each state's times, the QC checks and the planned ladder (from the execution state),
 * and the local wall time.
 */
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { JobRecord, QcCheck } from '../handlers/shared/job';
import type { StatePathStep } from './workflow';
import { stateLayout } from './state-layout';

/** A rung as plan-transcode planned it (the execution's `$.plan.ladder`). */
export interface JournalRung {
  readonly width: number;
  readonly height: number;
  readonly maxBitrate: number;
}

export interface JournalEntry {
  readonly jobId: string;
  /** The local file the user gave. */
  readonly file: string;
  readonly status: JobRecord['status'];
  /** When the local run started the job (ISO). */
  readonly startedAt: string;
  /** When it ended (ISO); absent while it runs. */
  readonly finishedAt?: string;
  /** Local wall time from upload to the end (ms). */
  readonly wallMs?: number;
  readonly error?: { readonly name: string; readonly cause: string };
  /** The state the execution failed in (the first state whose error was caught or not). */
  readonly failedState?: string;
  readonly path: readonly StatePathStep[];
  /** QualityControl's checks (`$.qc.checks`); the record keeps only the counts. */
  readonly qcChecks?: readonly QcCheck[];
  readonly ladder?: readonly JournalRung[];
  readonly transcodeMs?: number;
  readonly localWarnings: readonly string[];
  /** The job record as the jobs table holds it at the end. */
  readonly record?: JobRecord;
}

const JOB_ID = /^[A-Za-z0-9_-]{1,128}$/;

export function isJournalJobId(jobId: string): boolean {
  return JOB_ID.test(jobId);
}

/** Writes atomically (temp file + rename), so a reader never sees half a file. */
export async function writeJournalEntry(stateDir: string, entry: JournalEntry): Promise<void> {
  const dir = stateLayout(stateDir).jobs;
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${entry.jobId}.json`);
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(entry, null, 1)}\n`);
  await rename(temp, path);
}

export async function readJournalEntry(stateDir: string, jobId: string): Promise<JournalEntry | undefined> {
  if (!isJournalJobId(jobId)) return undefined;
  try {
    return JSON.parse(await readFile(join(stateLayout(stateDir).jobs, `${jobId}.json`), 'utf8')) as JournalEntry;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Newest first; jobs started in the same millisecond (files of one run start together) in
 * jobId order, so every reader lists them the same way whatever order readdir gives.
 */
export function newestFirst(a: Pick<JournalEntry, 'startedAt' | 'jobId'>, b: Pick<JournalEntry, 'startedAt' | 'jobId'>): number {
  return b.startedAt.localeCompare(a.startedAt) || a.jobId.localeCompare(b.jobId);
}

/** Every job in the journal, newest first (see newestFirst). */
export async function readJournal(stateDir: string): Promise<JournalEntry[]> {
  let names: string[];
  try {
    names = await readdir(stateLayout(stateDir).jobs);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const entries = await Promise.all(
    names.filter((n) => n.endsWith('.json')).map((n) => readJournalEntry(stateDir, n.slice(0, -'.json'.length))),
  );
  return entries.filter((e): e is JournalEntry => e !== undefined).sort(newestFirst);
}

/** Reads what the journal needs out of the execution's last state data. */
export function fromExecutionState(data: unknown): Pick<JournalEntry, 'qcChecks' | 'ladder'> {
  const state = (data ?? {}) as { qc?: { checks?: unknown }; plan?: { ladder?: unknown } };
  const checks = Array.isArray(state.qc?.checks) ? (state.qc.checks as QcCheck[]) : undefined;
  const ladder = Array.isArray(state.plan?.ladder)
    ? (state.plan.ladder as JournalRung[]).map((r) => ({ width: r.width, height: r.height, maxBitrate: r.maxBitrate }))
    : undefined;
  return { ...(checks ? { qcChecks: checks } : {}), ...(ladder ? { ladder } : {}) };
}

/**
 * The state a failed execution failed in: the first that failed (caught or not), else the state
 * that routed to the failure path (a Pass like QualityCheckFailed, after a Choice).
 */
export function failedStateOf(path: readonly StatePathStep[], failurePathStart = 'RecordFailure'): string | undefined {
  const failed = path.find((s) => s.outcome === 'failed' || s.outcome === 'caught');
  if (failed) return failed.name;
  const start = path.findIndex((s) => s.name === failurePathStart);
  return start > 0 ? path[start - 1].name : undefined;
}
