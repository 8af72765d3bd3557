import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { walk } from '../../local/s3rver-walk';

const s3rverUtils = require('s3rver/lib/utils') as { walk: typeof walk };

describe("the local S3's bucket walk", () => {
  it("yields what s3rver's own walk yields, in the same order, with and without a filter, following links", () => {
    // Prepare: job folders with objects and metadata files, a nested prefix, a linked folder and file
    const root = mkdtempSync(join(tmpdir(), 's3rver-walk-'));
    const bucket = join(root, 'bucket');
    for (const job of ['b2', 'a1', 'c3']) {
      mkdirSync(join(bucket, job, 'hls'), { recursive: true });
      writeFileSync(join(bucket, job, 'hls', 'master.m3u8._S3rver_object'), '#EXTM3U');
      writeFileSync(join(bucket, job, 'hls', 'master.m3u8._S3rver_metadata.json'), '{}');
      writeFileSync(join(bucket, job, 'thumb.jpg._S3rver_object'), 'x');
    }
    symlinkSync(join(bucket, 'a1'), join(bucket, 'linked-dir'));
    symlinkSync(join(bucket, 'a1', 'thumb.jpg._S3rver_object'), join(bucket, 'linked-file._S3rver_object'));
    const onlyA1 = (dir: string) => dir.startsWith(join(bucket, 'a1'));
    const original = s3rverUtils.walk;

    // Act
    const ours = [[...walk(bucket)], [...walk(bucket, onlyA1)]];
    const theirs = [[...original(bucket)], [...original(bucket, onlyA1)]];

    // Assess
    expect(ours).toEqual(theirs);
    expect(ours[0]).toHaveLength(3 * 3 + 3 + 1);
    expect(ours[1]).toContain(join(bucket, 'a1', 'hls', 'master.m3u8._S3rver_object'));
    expect(ours[1]).not.toContain(join(bucket, 'b2', 'thumb.jpg._S3rver_object'));
    rmSync(root, { recursive: true, force: true });
  });
});
