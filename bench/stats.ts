import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** One benchmark figure's samples, summarised. */
export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly samples: readonly number[];
}

/** Median (mean of the two middle values for an even count), min and max of the samples. */
export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) throw new Error('summarize: no samples');
  if (samples.some((s) => !Number.isFinite(s))) throw new Error(`summarize: non-finite sample in ${samples.join(', ')}`);
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1], samples: [...samples] };
}

/** Scales every statistic (e.g. ms -> s, or a time -> a ratio to a floor). */
export function scale(summary: Summary, factor: number): Summary {
  return {
    median: summary.median * factor,
    min: summary.min * factor,
    max: summary.max * factor,
    samples: summary.samples.map((s) => s * factor),
  };
}

export interface CommandOptions {
  readonly cwd: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Give up after this long (the bench must end even when a step hangs). */
  readonly timeoutMs?: number;
  /** Return a non-zero exit instead of throwing (a test run with a failing test still took its time). */
  readonly allowFailure?: boolean;
}

export interface CommandResult {
  readonly ms: number;
  /** CPU time (user + system) of the command and its waited-for children; undefined off Linux. */
  readonly cpuMs?: number;
  readonly stdout: string;
  readonly status: number;
}

/**
 * CPU time of this process's waited-for children (cutime + cstime in /proc/self/stat, Linux).
 * On a shared, busy machine wall time mostly measures the neighbours; CPU time does not.
 */
export function childrenCpuMs(): number | undefined {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // Fields after the parenthesised command name; cutime and cstime are fields 16 and 17.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[13]) + Number(fields[14]);
    return Number.isFinite(ticks) ? (ticks * 1000) / CLOCK_TICKS_PER_SECOND : undefined;
  } catch {
    return undefined;
  }
}

/** USER_HZ; 100 on every mainstream Linux build. */
const CLOCK_TICKS_PER_SECOND = 100;

/**
 * Runs a command to completion and returns its wall time. A non-zero exit throws with the tail
 * of stderr (a figure measured on a failing command would be meaningless) unless
 * `allowFailure` says the caller records the exit status with the figure.
 */
export function timeCommand(command: string, args: readonly string[], options: CommandOptions): CommandResult {
  const cpuBefore = childrenCpuMs();
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: options.timeoutMs ?? 10 * 60_000,
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const cpuAfter = childrenCpuMs();
  if (result.error) throw new Error(`${command} ${args.join(' ')}: ${result.error.message}`);
  if (result.status !== 0 && !(options.allowFailure && result.status !== null)) {
    const tail = `${result.stderr ?? ''}\n${result.stdout ?? ''}`.trim().slice(-2000);
    throw new Error(`${command} ${args.join(' ')} exited ${result.status ?? result.signal}:\n${tail}`);
  }
  const cpuMs = cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore;
  return { ms, cpuMs, stdout: result.stdout, status: result.status ?? -1 };
}

