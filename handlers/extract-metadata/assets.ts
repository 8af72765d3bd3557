/**
 * Files the Lambda bundle needs beside `index.js`. mediainfo.js loads its WebAssembly at run
 * time (it is not JavaScript, so esbuild cannot inline it); the stacks' bundler copies each
 * `from` (relative to the repository root) to `to` (relative to the bundle directory).
 */
export interface BundleAsset {
  readonly from: string;
  readonly to: string;
}

export const WASM_FILE_NAME = 'MediaInfoModule.wasm';

export const bundleAssets: readonly BundleAsset[] = [
  { from: 'node_modules/mediainfo.js/dist/MediaInfoModule.wasm', to: WASM_FILE_NAME },
];
