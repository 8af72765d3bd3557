import { existsSync } from 'node:fs';
import path from 'node:path';
import mediaInfoFactory, { type MediaInfo, type MediaInfoResult } from 'mediainfo.js';
import { WASM_FILE_NAME } from './assets';

/** The MediaInfo call the core needs: analyse `size` bytes read through `readChunk`. */
export interface MediaProbe {
  analyze(size: number, readChunk: (size: number, offset: number) => Promise<Uint8Array>): Promise<MediaInfoResult>;
}

/**
 * Where MediaInfoModule.wasm is: beside the bundle in Lambda (the bundler copies it, see
 * assets.ts), else resolved from node_modules when running from source (jest, tsx).
 */
export function locateWasm(bundleDir: string = __dirname): string {
  const beside = path.join(bundleDir, WASM_FILE_NAME);
  if (existsSync(beside)) return beside;
  return require.resolve('mediainfo.js/MediaInfoModule.wasm');
}

/**
 * One MediaInfo (one WASM instance, ~2.5 MB to compile) per container. `analyzeData` resets
 * the parser on each call, and a Lambda container serves one invocation at a time.
 */
export function createMediaInfoProbe(chunkSize: number): MediaProbe {
  let instance: Promise<MediaInfo<'object'>> | undefined;
  return {
    async analyze(size, readChunk) {
      instance ??= mediaInfoFactory({ format: 'object', chunkSize, locateFile: () => locateWasm() });
      const mediaInfo = await instance.catch((error: unknown) => {
        instance = undefined;
        throw error;
      });
      return mediaInfo.analyzeData(size, readChunk);
    },
  };
}
