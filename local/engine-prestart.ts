import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { currentEngineBundle, ENGINE_BUNDLE_PATH } from './engine-bundle';

let prestarted: ChildProcess | undefined;

/**
 * Forks the engine (its bundle, when current) before the CLI has loaded its own modules and read
 * its arguments: on a second core the engine loads the stand-ins, the SDK and the ASL engine
 * meanwhile, then waits for the request (runInEngine sends it). scripts/local-run.ts imports this
 * module first; an engine that gets no request leaves when the CLI disconnects (engine.ts).
 */
export function prestartEngine(): void {
  if (prestarted || !existsSync(ENGINE_BUNDLE_PATH)) return;
  // Forked first, checked after: the engine boots while the bundle's inputs are hashed. A stale
  // bundle's engine is stopped before it gets a request (the CLI rebuilds and forks a new one).
  const child = forkEngine(ENGINE_BUNDLE_PATH);
  if (currentEngineBundle() === undefined) child.kill();
  else prestarted = child;
}

/** The engine, from its bundle, with plain `node` (no inherited `--import tsx`) and piped output. */
export function forkEngine(entry: string): ChildProcess {
  return fork(entry, [], { execArgv: [], stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
}

/** The prestarted engine, once (the next run forks its own). */
export function takePrestartedEngine(): ChildProcess | undefined {
  const child = prestarted;
  prestarted = undefined;
  return child?.connected ? child : undefined;
}

/** Lets an unused prestarted engine go (it exits on disconnect). */
export function releasePrestartedEngine(): void {
  const child = takePrestartedEngine();
  if (child) child.disconnect();
}
