import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { unzipSync } from 'fflate';
import { archiveInputSchema } from '../../handlers/archive-source/archive';
import { parseTaskInput } from '../../handlers/shared/schemas';
import { bundleHandler } from '../../stacks/lib/bundle';

/**
 * Handlers validate with zod/mini through handlers/shared/zod.ts (which says why): classic zod
 * builds its methods onto every schema at module init. zod/mini has no error locale of its own,
 * so these tests pin the English messages the API and the FAILED job records carry.
 */
const HANDLERS = join(__dirname, '..', '..', 'handlers');
const ZOD_HANDLERS = ['archive-source', 'create-job', 'create-upload', 'extract-metadata', 'get-job', 'job-progress', 'list-jobs', 'pin-source', 'plan-transcode', 'publish', 'quality-control', 'record-failure', 'start-workflow'];
const BAD_ARCHIVE_INPUT = { jobId: 'x', source: { bucket: '', key: 'k', etag: 'e', size: 1.5 } };
const BAD_ARCHIVE_ISSUES = [
  'jobId: Invalid string: must match pattern /^[0-9a-f]{32}$/',
  'source.bucket: Too small: expected string to have >=1 characters',
  'source.size: Invalid input: expected int, received number',
];

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

function indexJs(name: string): string {
  return Buffer.from(unzipSync(readFileSync(bundleHandler(name).zipPath))['index.js']).toString('utf8');
}

describe('zod in the Lambda handlers', () => {
  it('is imported only through handlers/shared/zod.ts, never as classic zod', () => {
    const direct = tsFiles(HANDLERS)
      .filter((f) => /from '(zod|zod\/[^']*)'/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(HANDLERS, f));
    expect(direct).toEqual(['shared/zod.ts']);
  });

  it("reports a task input's issues with zod's English messages", () => {
    expect(() => parseTaskInput(archiveInputSchema, BAD_ARCHIVE_INPUT, 'ArchiveSource')).toThrow(
      expect.objectContaining({ name: 'MalformedEvent', message: 'ArchiveSource input is invalid', context: { issues: BAD_ARCHIVE_ISSUES } }),
    );
  });

  it.each(ZOD_HANDLERS)('%s: the bundle ships zod/mini and its English locale, not classic zod', (name) => {
    const code = indexJs(name);
    expect(code).toContain('"ZodMiniObject"');
    expect(code).toContain('Too small: expected');
    // Classic zod's constructors carry these names; zod/mini's are ZodMini*.
    for (const classic of ['"ZodObject"', '"ZodString"', '"ZodNumber"']) {
      expect({ name, classic, shipped: code.includes(classic) }).toEqual({ name, classic, shipped: false });
    }
  });

  it('a bundled task handler fails bad input with the same English messages', async () => {
    const work = mkdtempSync(join(tmpdir(), 'bundle-zod-'));
    try {
      writeFileSync(join(work, 'index.js'), indexJs('archive-source'));
      const driver = `require('./index.js').handler(${JSON.stringify(BAD_ARCHIVE_INPUT)}).then(() => console.log('resolved'), (e) => console.log(JSON.stringify({ name: e.name, message: e.message, context: e.context })))`;
      const env = { PATH: process.env.PATH, AWS_REGION: 'us-east-1', ARCHIVE_BUCKET: 'archive-bucket', ARCHIVE_STORAGE_CLASS: 'GLACIER_IR', POWERTOOLS_LOG_LEVEL: 'SILENT' };
      const { stdout } = await promisify(execFile)(process.execPath, ['-e', driver], { cwd: work, env, timeout: 30_000 });
      expect(JSON.parse(stdout.trim())).toEqual({ name: 'MalformedEvent', message: 'ArchiveSource input is invalid', context: { issues: BAD_ARCHIVE_ISSUES } });
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
