import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { archiveInputSchema } from '../../handlers/archive-source/archive';
import { parseTaskInput } from '../../handlers/shared/schemas';
import { handlerNames } from '../../stacks/lib/bundle';
import { bundledIndexJs, invokeBundledHandler } from '../helpers/bundles';

/**
 * Handlers validate with zod/mini through handlers/shared/zod.ts (which says why): classic zod
 * builds its methods onto every schema at module init. zod/mini has no error locale of its own,
 * so these tests pin the English messages the API and the FAILED job records carry.
 */
const HANDLERS = join(__dirname, '..', '..', 'handlers');
const BAD_ARCHIVE_INPUT = { jobId: 'x', source: { bucket: '', key: 'k', etag: 'e', size: 1.5 } };
const BAD_ARCHIVE_ISSUES = [
  'jobId: Invalid string: must match pattern /^[0-9a-f]{32}$/',
  'source.bucket: Too small: expected string to have >=1 characters',
  'source.size: Invalid input: expected int, received number',
];

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
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

  it.each(handlerNames())('%s: the bundle ships zod/mini and its English locale, not classic zod', (name) => {
    const code = bundledIndexJs(name);
    expect(code).toContain('"ZodMiniObject"');
    expect(code).toContain('Too small: expected');
    // Classic zod's constructors carry these names; zod/mini's are ZodMini*.
    for (const classic of ['"ZodObject"', '"ZodString"', '"ZodNumber"']) {
      expect({ name, classic, shipped: code.includes(classic) }).toEqual({ name, classic, shipped: false });
    }
  });

  it('a bundled task handler fails bad input with the same English messages', async () => {
    const env = { AWS_REGION: 'us-east-1', ARCHIVE_BUCKET: 'archive-bucket', ARCHIVE_STORAGE_CLASS: 'GLACIER_IR', POWERTOOLS_LOG_LEVEL: 'SILENT' };
    await expect(invokeBundledHandler('archive-source', BAD_ARCHIVE_INPUT, env)).resolves.toEqual({
      error: { name: 'MalformedEvent', message: 'ArchiveSource input is invalid', context: { issues: BAD_ARCHIVE_ISSUES } },
    });
  });
});
