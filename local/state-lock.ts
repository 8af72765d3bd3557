/**
 * One `npm run local` per state folder: s3rver and dynalite each own their folder (dynalite's
 * LevelDB takes a lock, so a second run died with "Database is closed"). The lock is a file
 * created exclusively (O_EXCL), holding the owner's pid and start time; a lock whose process is
 * gone is stale and taken over.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { stateLayout } from './state-layout';

export interface LockOwner {
  readonly pid: number;
  readonly startedAt: string;
  readonly command: string;
}

/** The folder is in use by another live process; the message names it. */
export class StateFolderBusy extends Error {
  override readonly name = 'StateFolderBusy';
  constructor(
    readonly stateDir: string,
    readonly owner: LockOwner,
  ) {
    super(
      `The state folder ${stateDir} is in use by process ${owner.pid} (${owner.command}, started ${owner.startedAt}). ` +
        'Wait for it to finish, or give this run its own folder with --state DIR.',
    );
  }
}

export interface StateLock {
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(path: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockOwner>;
    return typeof owner.pid === 'number' ? { pid: owner.pid, startedAt: String(owner.startedAt), command: String(owner.command) } : undefined;
  } catch {
    return undefined;
  }
}

/** Takes the state folder's lock (the folder must exist) or throws StateFolderBusy. */
export function lockStateFolder(stateDir: string, command: string): StateLock {
  const path = stateLayout(stateDir).lock;
  const owner: LockOwner = { pid: process.pid, startedAt: new Date().toISOString(), command };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, JSON.stringify(owner), { flag: 'wx' });
      let released = false;
      return {
        release: () => {
          if (released) return;
          released = true;
          if (readOwner(path)?.pid === process.pid) rmSync(path, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = readOwner(path);
      if (holder && holder.pid !== process.pid && alive(holder.pid)) throw new StateFolderBusy(stateDir, holder);
      rmSync(path, { force: true }); // stale: its process is gone (or the file is unreadable)
    }
  }
  throw new Error(`Could not take the lock ${path}`);
}
