import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { unzipSync } from 'fflate';
import { bundleHandler } from '../../stacks/lib/bundle';

/** index.js of a handler's Lambda zip (stacks/lib/bundle.ts builds or reuses it). */
export function bundledIndexJs(name: string): string {
  return Buffer.from(unzipSync(readFileSync(bundleHandler(name).zipPath))['index.js']).toString('utf8');
}

/**
 * Calls a handler's bundled `index.handler` with `event` in a fresh Node process, with only
 * `env` (and PATH) in its environment, as Lambda would load it. Resolves with what the handler
 * returned, or `{ error: { name, message, context } }` when it threw.
 */
export async function invokeBundledHandler(name: string, event: unknown, env: NodeJS.ProcessEnv): Promise<unknown> {
  const work = mkdtempSync(join(tmpdir(), `bundled-${name}-`));
  try {
    writeFileSync(join(work, 'index.js'), bundledIndexJs(name));
    const driver = `require('./index.js').handler(${JSON.stringify(event)}).then((r) => console.log(JSON.stringify({ result: r ?? null })), (e) => console.log(JSON.stringify({ error: { name: e.name, message: e.message, context: e.context } })))`;
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', driver], { cwd: work, env: { PATH: process.env.PATH, ...env }, timeout: 30_000 });
    const out = JSON.parse(stdout.trim().split('\n').pop()!) as { result?: unknown; error?: unknown };
    return 'error' in out ? { error: out.error } : out.result;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
