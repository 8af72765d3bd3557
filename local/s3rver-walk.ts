/**
 * s3rver 3.7's ListObjects walks the bucket's folder with `statSync` on every entry it meets,
 * before it decides whether the entry can hold the prefix. A bucket with 10,000 job folders
 * (the load harness's output bucket) then costs 10,000 stat calls per listing, and every job
 * lists its outputs: the burst became quadratic in the number of jobs. This walk yields the
 * same paths in the same order (readdir's), from the entry types readdir already returns; it
 * stats only what readdir cannot type (symbolic links, file systems without d_type), which
 * s3rver's walk followed the same way.
 */
import { readdirSync, statSync } from 'node:fs';
import { posix } from 'node:path';

export function* walk(dir: string, recurseFilter?: (dirPath: string) => boolean): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const filePath = posix.join(dir, entry.name);
    const typed = entry.isDirectory() || entry.isFile();
    const isDirectory = typed ? entry.isDirectory() : statSync(filePath).isDirectory();
    if (!isDirectory) yield filePath;
    else if (!recurseFilter || recurseFilter(filePath)) yield* walk(filePath, recurseFilter);
  }
}

/** Puts this walk in s3rver's utils before s3rver's filesystem store takes it (`const { walk } = require('../utils')`). */
export function useFastS3rverWalk(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- patches s3rver's CommonJS exports before s3rver loads them
  const utils = require('s3rver/lib/utils') as { walk: typeof walk };
  utils.walk = walk;
}
