import { build, buildSync, type BuildOptions } from 'esbuild';
import { zipSync } from 'fflate';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

/** Repository root (this file lives in stacks/lib/). */
export const PROJECT_ROOT = resolve(__dirname, '..', '..');

/** An extra file shipped in the zip beside index.js (e.g. mediainfo.js's .wasm). */
export interface BundleAsset {
  /** Path relative to the project root. */
  readonly from: string;
  /** Name inside the zip. */
  readonly to: string;
}

export interface Bundle {
  /** Absolute path of the zip under .build/lambda/. */
  readonly zipPath: string;
  /** base64 SHA-256 of the zip, as Lambda's `source_code_hash` expects. */
  readonly sha256: string;
  readonly bytes: number;
}

// Every zip entry gets this timestamp, so the same code always yields the same bytes
// (cdktf's TerraformAsset zips with file mtimes and would cause a spurious update per synth).
const FIXED_MTIME = new Date('1980-01-01T00:00:00Z');
const cache = new Map<string, Bundle>();
/**
 * Deflate level of the zip entries: 6 (zlib's default) writes zips within 0.5 % of level 9's
 * (1,012,991 vs 1,014,050 bytes for mediainfo's wasm, 241,596 vs 241,608 for a handler) in about
 * 40 % of the time; at 9, fflate's deflate was the largest part of a cold synth after esbuild.
 */
const ZIP_LEVEL = 6;

/**
 * Bundles `handlers/<name>/index.ts` with esbuild and zips it deterministically.
 *
 * Policy: minified and tree-shaken for size and cold start; no source map is shipped (it would
 * double the zip and the init time). Names are not kept (esbuild's `keepNames`, the default of
 * CDK's NodejsFunction too): it wraps every function and class in a `__name()` call that runs at
 * load, about 14 % of every function's module init for readable minified names in stack traces;
 * errors keep their names (every error class sets `name`, as do the SDK's and zod's). The AWS SDK is bundled, pinned by package-lock, instead of relying on
 * whatever SDK version the Lambda runtime carries.
 * Bundles are cached per process: three environment stacks share one build of each handler.
 */
export function bundleHandler(name: string, assets: readonly BundleAsset[] = []): Bundle {
  const cached = cache.get(name);
  if (cached) return cached;

  const dir = join(PROJECT_ROOT, '.build', 'lambda');
  mkdirSync(dir, { recursive: true });
  const zipPath = join(dir, `${name}.zip`);
  // Across processes (jest workers, repeated synths) a zip is reused when nothing it is built
  // from changed: handlers/, the lock file (dependency versions), this file and the assets.
  // BUNDLE_CACHE=off rebuilds (the determinism test uses it to prove two builds are identical).
  const key = inputsKey(name, assets);
  const keyPath = `${zipPath}.key`;
  let zip: Uint8Array;
  if (process.env.BUNDLE_CACHE !== 'off' && existsSync(zipPath) && existsSync(keyPath) && readFileSync(keyPath, 'utf8') === key) {
    zip = readFileSync(zipPath);
  } else {
    zip = zipHandler(name, assets);
    writeAtomically(zipPath, zip);
    writeAtomically(keyPath, key);
    writeAtomically(join(dir, 'handlers.key'), sharedInputsDigest());
  }
  const bundle: Bundle = {
    zipPath,
    sha256: createHash('sha256').update(zip).digest('base64'),
    bytes: zip.byteLength,
  };
  cache.set(name, bundle);
  return bundle;
}

function zipHandler(name: string, assets: readonly BundleAsset[]): Uint8Array {
  const files: Record<string, Uint8Array> = { 'index.js': compiledHandler(name) };
  for (const asset of assets) files[asset.to] = readFileSync(join(PROJECT_ROOT, asset.from));

  const entries = Object.fromEntries(
    Object.keys(files)
      .sort()
      .map((file) => [file, [files[file], { mtime: FIXED_MTIME, level: ZIP_LEVEL }] as const]),
  );
  return zipSync(entries as Parameters<typeof zipSync>[0]);
}

const compiled = new Map<string, Uint8Array>();

/**
 * index.js of a handler. The first miss compiles every handler in one esbuild call: they share
 * most of their modules (AWS SDK, zod, shared/), which esbuild then parses once, not 12 times.
 * Each output is still a separate, self-contained bundle (no code splitting).
 */
function compiledHandler(name: string): Uint8Array {
  const hit = compiled.get(name);
  if (hit) return hit;
  const names = handlerNames();
  if (!names.includes(name)) throw new Error(`No handler "${name}": expected handlers/${name}/index.ts`);
  keepOutputs(buildSync(lambdaBuildOptions(handlerEntries(names))).outputFiles);
  return compiled.get(name)!;
}

/** Every handler folder (handlers/<name>/index.ts), sorted: the functions the stacks deploy. */
export function handlerNames(): string[] {
  const handlersDir = join(PROJECT_ROOT, 'handlers');
  return readdirSync(handlersDir)
    .filter((entry) => existsSync(join(handlersDir, entry, 'index.ts')))
    .sort();
}

function keepOutputs(files: readonly { path: string; contents: Uint8Array }[]): void {
  for (const file of files) compiled.set(file.path.split('/').pop()!.replace(/\.js$/, ''), file.contents);
}

/**
 * Starts the one esbuild compile of every handler in the background, so that it runs on
 * esbuild's own threads while the app loads cdktf and the provider (main.ts awaits it before
 * building the stacks). Skipped when the zips of the last build are still valid (the handlers'
 * inputs hash matches), the everyday case where no compile is needed at all; a zip whose key
 * still misses (an asset changed) falls back to the synchronous compile.
 */
export async function prebuildHandlers(): Promise<void> {
  const stamp = join(PROJECT_ROOT, '.build', 'lambda', 'handlers.key');
  if (process.env.BUNDLE_CACHE !== 'off' && existsSync(stamp) && readFileSync(stamp, 'utf8') === sharedInputsDigest()) return;
  const names = handlerNames();
  const result = await build(lambdaBuildOptions(handlerEntries(names)));
  keepOutputs(result.outputFiles);
}

/**
 * Modules a Lambda bundle gets in place of an npm package (esbuild `alias`). The SDK's default
 * credential chain becomes the environment provider that is its first link in Lambda
 * (handlers/lambda-runtime/credential-provider.ts says why): the other links and the SSO/STS
 * clients they import are no longer parsed at every cold start.
 */
export const LAMBDA_ALIASES: Readonly<Record<string, string>> = {
  '@aws-sdk/credential-provider-node': join(PROJECT_ROOT, 'handlers', 'lambda-runtime', 'credential-provider.ts'),
};

function handlerEntries(names: readonly string[]): Record<string, string> {
  return Object.fromEntries(names.map((n) => [n, lambdaEntry(n)]));
}

/**
 * The esbuild options of every Lambda bundle, for the given entries (output name -> entry path);
 * the bench builds its observability baseline with them too (bench/bundles.ts).
 */
export function lambdaBuildOptions(entryPoints: Record<string, string>): BuildOptions & { write: false } {
  return {
    alias: { ...LAMBDA_ALIASES },
    entryPoints,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    minify: true,
    treeShaking: true,
    mainFields: ['module', 'main'],
    legalComments: 'none',
    write: false,
    logLevel: 'silent',
    absWorkingDir: PROJECT_ROOT,
    outdir: join(PROJECT_ROOT, '.build', 'esbuild'),
  };
}

/**
 * The module Lambda loads for a handler: `handlers/<name>/index.ts`'s handler wrapped by
 * withLambdaContext (Logger context on every line, an X-Ray subsegment per invocation). Wrapping
 * at the entry means every function gets it, including ones added later, while handler code and
 * its tests stay plain functions of (event). Written under .build/entries/ (not type-checked:
 * handlers/shared/lambda-context.ts and each index.ts are).
 */
export function lambdaEntrySource(name: string): string {
  return [
    `// Generated by stacks/lib/bundle.ts for handlers/${name}: Lambda calls index.handler.`,
    `import { handler as inner } from '../../handlers/${name}/index';`,
    `import { withLambdaContext } from '../../handlers/shared/lambda-context';`,
    `export const handler = withLambdaContext(${JSON.stringify(name)}, inner);`,
    '',
  ].join('\n');
}

function lambdaEntry(name: string): string {
  const dir = join(PROJECT_ROOT, '.build', 'entries');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.ts`);
  const source = lambdaEntrySource(name);
  if (!existsSync(path) || readFileSync(path, 'utf8') !== source) writeAtomically(path, source);
  return path;
}

let sharedDigest: string | undefined;

/** Hash of what every bundle is built from: handlers/, the lock file, this file (once per process). */
function sharedInputsDigest(): string {
  if (sharedDigest === undefined) {
    const shared = createHash('sha256');
    const files = [...listFiles(join(PROJECT_ROOT, 'handlers')), join(PROJECT_ROOT, 'package-lock.json'), __filename];
    for (const file of files) {
      shared.update(relative(PROJECT_ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
    }
    sharedDigest = shared.digest('hex');
  }
  return sharedDigest;
}

/** Content hash of everything one bundle is built from. */
function inputsKey(name: string, assets: readonly BundleAsset[]): string {
  const hash = createHash('sha256').update(`${sharedInputsDigest()}\0${name}\0`);
  for (const asset of assets) {
    hash.update(asset.to).update('\0').update(readFileSync(join(PROJECT_ROOT, asset.from))).update('\0');
  }
  return hash.digest('hex');
}

function listFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((entry) => {
      const path = join(dir, entry);
      return statSync(path).isDirectory() ? listFiles(path) : [path];
    });
}

/** Parallel jest workers and CLI synths share .build/: never let one read a half-written zip. */
export function writeAtomically(path: string, data: Uint8Array | string): void {
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}
