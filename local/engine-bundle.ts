import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const PROJECT_ROOT = resolve(__dirname, '..');

/** Where the engine bundle, the record of what it was built from and the engine's caches live (git-ignored .build/). */
export const ENGINE_BUILD_DIR = join(PROJECT_ROOT, '.build', 'local');
const ENTRY = join(__dirname, 'engine.ts');
/** Bumped when the build options below change (the record then no longer matches). */
const OPTIONS_VERSION = '1';

interface BuildRecord {
  readonly options: string;
  /** Project-relative path -> SHA-256 of every project file esbuild read. */
  readonly inputs: Record<string, string>;
}

function digest(path: string): string | undefined {
  try {
    return createHash('sha256').update(readFileSync(path)).digest('hex');
  } catch {
    return undefined;
  }
}

function isCurrent(recordPath: string, bundlePath: string): boolean {
  if (!existsSync(bundlePath) || !existsSync(recordPath)) return false;
  try {
    const record = JSON.parse(readFileSync(recordPath, 'utf8')) as BuildRecord;
    return record.options === OPTIONS_VERSION && Object.entries(record.inputs).every(([file, hash]) => digest(join(PROJECT_ROOT, file)) === hash);
  } catch {
    return false;
  }
}

/**
 * The local engine (local/engine.ts with the handlers, the ASL and the stand-ins' wiring) as one
 * CommonJS file, which the CLI forks with plain `node`. Under `node --import tsx` every one of the
 * engine's module loads, node_modules included, went through tsx's resolve and load hooks (a
 * round trip to the hooks thread each): a large part of the local run's fixed start-up.
 *
 * Only the project's own TypeScript is bundled (packages stay `require`d from node_modules, as
 * under tsx: native modules, s3rver's and dynalite's files, mediainfo's wasm lookup work as
 * before). Rebuilt when a file it was built from changes (the content hashes of esbuild's
 * metafile inputs, also tsconfig.json); a build takes a fraction of a second.
 */
export async function engineBundle(): Promise<string> {
  return currentEngineBundle() ?? (await buildEngineBundle());
}

/** Where the engine bundle is written (it may be stale: currentEngineBundle says). */
export const ENGINE_BUNDLE_PATH = join(ENGINE_BUILD_DIR, 'engine.js');
const recordPath = join(ENGINE_BUILD_DIR, 'engine.inputs.json');

/** The engine bundle when it is current (nothing it was built from changed), else undefined. */
export function currentEngineBundle(): string | undefined {
  return isCurrent(recordPath, ENGINE_BUNDLE_PATH) ? ENGINE_BUNDLE_PATH : undefined;
}

async function buildEngineBundle(): Promise<string> {

  // Loaded on a rebuild only: the everyday run finds the bundle current.
  const [{ build }, { writeAtomically }] = await Promise.all([import('esbuild'), import('../stacks/lib/bundle')]);
  const result = await build({
    entryPoints: [ENTRY],
    bundle: true,
    packages: 'external',
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    metafile: true,
    write: false,
    logLevel: 'silent',
    absWorkingDir: PROJECT_ROOT,
    outfile: ENGINE_BUNDLE_PATH,
  });
  const output = result.outputFiles[0];
  const inputs = [...Object.keys(result.metafile.inputs), 'tsconfig.json'].sort();
  const record: BuildRecord = {
    options: OPTIONS_VERSION,
    inputs: Object.fromEntries(inputs.map((file) => [file, digest(resolve(PROJECT_ROOT, file)) ?? ''])),
  };
  mkdirSync(ENGINE_BUILD_DIR, { recursive: true });
  writeAtomically(ENGINE_BUNDLE_PATH, output.contents);
  writeAtomically(recordPath, `${JSON.stringify(record, null, 2)}\n`);
  return ENGINE_BUNDLE_PATH;
}
