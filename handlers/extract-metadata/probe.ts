import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import mediaInfoFactory, { type MediaInfo, type MediaInfoResult } from 'mediainfo.js';
import { WASM_FILE_NAME } from './assets';

/** The MediaInfo call the core needs: analyse `size` bytes read through `readChunk`. */
export interface MediaProbe {
  analyze(size: number, readChunk: (size: number, offset: number) => Promise<Uint8Array>): Promise<MediaInfoResult>;
}

/**
 * Where MediaInfoModule.wasm is: beside the bundle in Lambda (the bundler copies it, see
 * assets.ts), else in the nearest node_modules when running from source (jest, tsx).
 * The lookup walks up directories instead of `require.resolve`, which esbuild would try to
 * bundle (and warn about) even though the bundled code never takes that branch.
 */
export function locateWasm(bundleDir: string = __dirname): string {
  const beside = path.join(bundleDir, WASM_FILE_NAME);
  if (existsSync(beside)) return beside;
  for (let dir = bundleDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', 'mediainfo.js', 'dist', WASM_FILE_NAME);
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) {
      throw new Error(`${WASM_FILE_NAME} is neither beside ${bundleDir} nor in a node_modules above it`);
    }
  }
}

/**
 * What mediainfo.js's `locateFile` must return for the loader in use. The package ships two
 * loaders and the build picks one: Node's `require` (jest, tsx) gets dist/cjs, which reads the
 * wasm with `fs`, so a path works; esbuild prefers the package's "module" export condition and
 * bundles dist/esm-bundle, which loads it with `fetch()`, and Node's fetch reads `data:` URLs
 * but not `file:` ones. The CJS loader passes its directory (an absolute path) as `prefix`;
 * the ESM one passes a URL, or '' in a CJS bundle where `import.meta.url` is undefined.
 */
export function wasmLocation(prefix: string, wasmPath: string): string {
  const fsLoader = path.isAbsolute(prefix);
  return fsLoader ? wasmPath : `data:application/wasm;base64,${readFileSync(wasmPath).toString('base64')}`;
}

/**
 * One MediaInfo (one WASM instance, ~2.5 MB to compile) per container. `analyzeData` resets
 * the parser on each call, and a Lambda container serves one invocation at a time.
 */
export function createMediaInfoProbe(chunkSize: number): MediaProbe {
  let instance: Promise<MediaInfo<'object'>> | undefined;
  return {
    async analyze(size, readChunk) {
      instance ??= mediaInfoFactory({ format: 'object', chunkSize, locateFile: (_file, prefix) => wasmLocation(prefix, locateWasm()) });
      const mediaInfo = await instance.catch((error: unknown) => {
        instance = undefined;
        throw error;
      });
      return mediaInfo.analyzeData(size, readChunk);
    },
  };
}
