/**
 * `--keep N`: the state folder grows by every run's source, outputs and archive copy. This keeps
 * the newest N jobs (by the journal) and deletes the others' files: their journal entry, output
 * objects, source and archive objects (s3rver's folders), their `<state>/out/<jobId>/` copy.
 * Job records stay in dynalite (a few KB each).
 */
import { lstat, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { LOCAL_NAMES } from './environment';
import { readJournal } from './job-journal';
import { stateLayout } from './state-layout';

export interface PruneResult {
  readonly removedJobs: readonly string[];
  readonly keptJobs: number;
}

export async function pruneJobs(stateDir: string, keep: number): Promise<PruneResult> {
  const layout = stateLayout(stateDir);
  const jobs = await readJournal(stateDir); // newest first
  const old = jobs.slice(keep);
  for (const job of old) {
    const paths = [
      join(layout.s3, LOCAL_NAMES.outputBucket, job.jobId),
      join(layout.out, job.jobId),
      join(layout.jobs, `${job.jobId}.json`),
    ];
    const sourceKey = job.record?.source.key;
    // Source keys are `<prefix><random>/<file>`: the random folder holds this run's upload only.
    const runFolder = sourceKey?.startsWith(LOCAL_NAMES.sourceKeyPrefix) ? sourceKey.split('/').slice(0, -1).join('/') : undefined;
    if (runFolder) {
      paths.push(join(layout.s3, LOCAL_NAMES.sourceBucket, runFolder), join(layout.s3, LOCAL_NAMES.archiveBucket, runFolder));
    }
    await Promise.all(paths.map((p) => rm(p, { recursive: true, force: true })));
  }
  return { removedJobs: old.map((j) => j.jobId), keptJobs: jobs.length - old.length };
}

/** Bytes under a folder (files only, symlinks not followed); 0 when it does not exist. */
export async function folderSize(dir: string): Promise<number> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  let total = 0;
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) total += await folderSize(path);
    else if (e.isFile()) total += (await lstat(path)).size;
  }
  return total;
}

export function formatBytes(n: number): string {
  if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(1)} GiB`;
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(1)} KiB`;
  return `${n} B`;
}
