import { spawn, spawnSync } from 'node:child_process';

/** ffmpeg/ffprobe binaries; overridable so a machine with a custom build can point at it. */
export const FFMPEG = process.env.FFMPEG_PATH ?? 'ffmpeg';
export const FFPROBE = process.env.FFPROBE_PATH ?? 'ffprobe';

/** True when both ffmpeg and ffprobe run. */
export function ffmpegAvailable(): boolean {
  const probe = (bin: string) => {
    const r = spawnSync(bin, ['-version'], { stdio: 'ignore' });
    return r.error === undefined && r.status === 0;
  };
  return probe(FFMPEG) && probe(FFPROBE);
}

/**
 * ffmpegAvailable without blocking: both binaries start at once (each takes a fifth of a second
 * or more to load its libraries), and the caller goes on with its own start-up meanwhile.
 */
export async function ffmpegRuns(): Promise<boolean> {
  const probe = (bin: string) =>
    new Promise<boolean>((resolve) => {
      const child = spawn(bin, ['-version'], { stdio: 'ignore' });
      child.on('error', () => resolve(false));
      child.on('close', (code) => resolve(code === 0));
    });
  const [ffmpeg, ffprobe] = await Promise.all([probe(FFMPEG), probe(FFPROBE)]);
  return ffmpeg && ffprobe;
}

/** An ffmpeg or ffprobe run that exited non-zero; `stderr` keeps the tail of its error output. */
export class FfmpegError extends Error {
  override readonly name = 'FfmpegError';
  constructor(
    message: string,
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(message);
  }
}

export interface FfmpegRunOptions {
  /** Source duration, to turn `out_time_us` into a percentage. */
  readonly durationMs?: number;
  /** Called with 0..100 as ffmpeg reports progress (at most once per whole percent). */
  readonly onProgress?: (percent: number) => void;
  /** Kill ffmpeg when this fires (the Transcode task's TimeoutSeconds). */
  readonly signal?: AbortSignal;
  /** Working folder: filters that write files (ssim/psnr `stats_file`) take names relative to it, free of filter-graph escaping. */
  readonly cwd?: string;
}

const STDERR_TAIL = 4000;

/**
 * Parses ffmpeg's `-progress` output (key=value lines, a block per report ending in
 * `progress=continue|end`) into a percentage of `durationMs`.
 */
export class ProgressParser {
  private lastPercent = -1;
  private buffer = '';

  constructor(
    private readonly durationMs: number | undefined,
    private readonly onProgress: (percent: number) => void,
  ) {}

  push(chunk: string): void {
    this.buffer += chunk;
    const lines = this.buffer.split('\n');
    this.buffer = lines.pop() ?? '';
    for (const line of lines) this.line(line.trim());
  }

  private line(line: string): void {
    const eq = line.indexOf('=');
    if (eq < 0) return;
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    if (key === 'progress' && value === 'end') {
      this.emit(100);
    } else if ((key === 'out_time_us' || key === 'out_time_ms') && this.durationMs && this.durationMs > 0) {
      // Despite its name, out_time_ms is in microseconds too (ffmpeg keeps it for compatibility).
      const us = Number(value);
      if (Number.isFinite(us) && us >= 0) this.emit(Math.min(99, Math.floor(us / 1000 / this.durationMs * 100)));
    }
  }

  private emit(percent: number): void {
    if (percent <= this.lastPercent) return;
    this.lastPercent = percent;
    this.onProgress(percent);
  }
}

/** Runs ffmpeg with `-progress pipe:1`; resolves when it exits 0, rejects with FfmpegError otherwise. */
export function runFfmpeg(args: readonly string[], options: FfmpegRunOptions = {}): Promise<void> {
  const fullArgs = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error', '-progress', 'pipe:1', ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(FFMPEG, fullArgs, { stdio: ['ignore', 'pipe', 'pipe'], ...(options.cwd !== undefined ? { cwd: options.cwd } : {}) });
    const parser = new ProgressParser(options.durationMs, options.onProgress ?? (() => {}));
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => parser.push(chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_TAIL);
    });
    const onAbort = () => child.kill('SIGKILL');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (err) => {
      options.signal?.removeEventListener('abort', onAbort);
      reject(new FfmpegError(`ffmpeg could not start: ${err.message}`, null, ''));
    });
    child.on('close', (code, signal) => {
      options.signal?.removeEventListener('abort', onAbort);
      if (code === 0) resolve();
      else if (options.signal?.aborted) reject(new FfmpegError('ffmpeg was stopped: the task timed out', code, stderr.trim()));
      else reject(new FfmpegError(`ffmpeg exited with ${code ?? signal}: ${lastLine(stderr)}`, code, stderr.trim()));
    });
  });
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return lines[lines.length - 1] ?? '';
}

export interface ProbedStream {
  readonly codec_type?: string;
  readonly codec_name?: string;
  readonly profile?: string;
  readonly level?: number;
  readonly width?: number;
  readonly height?: number;
  readonly duration?: string;
  readonly bit_rate?: string;
  readonly avg_frame_rate?: string;
  readonly channels?: number;
  readonly channel_layout?: string;
  readonly side_data_list?: ReadonlyArray<{ readonly rotation?: number }>;
  readonly tags?: Readonly<Record<string, string>>;
}

export interface ProbeResult {
  readonly streams: readonly ProbedStream[];
  readonly format?: { readonly duration?: string; readonly format_name?: string; readonly bit_rate?: string };
}

/** ffprobe as JSON (streams + format). */
export function ffprobe(path: string): Promise<ProbeResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(FFPROBE, ['-v', 'error', '-print_format', 'json', '-show_streams', '-show_format', path], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err = (err + c).slice(-STDERR_TAIL)));
    child.on('error', (e) => reject(new FfmpegError(`ffprobe could not start: ${e.message}`, null, '')));
    child.on('close', (code) => {
      if (code !== 0) return reject(new FfmpegError(`ffprobe failed on ${path}: ${lastLine(err)}`, code, err));
      try {
        resolve(JSON.parse(out) as ProbeResult);
      } catch (e) {
        reject(new FfmpegError(`ffprobe printed invalid JSON for ${path}`, code, String(e)));
      }
    });
  });
}

/** Duration in ms of a probed file (format duration, else the longest stream). */
export function probedDurationMs(probe: ProbeResult): number | undefined {
  const candidates = [probe.format?.duration, ...probe.streams.map((s) => s.duration)]
    .map((d) => (d === undefined ? NaN : Number(d)))
    .filter((d) => Number.isFinite(d) && d > 0);
  if (candidates.length === 0) return undefined;
  return Math.round(Math.max(...candidates) * 1000);
}

/** The first video stream's displayed size (after a 90/270 degree rotation). */
export function probedVideoSize(probe: ProbeResult): { width: number; height: number } | undefined {
  const v = probe.streams.find((s) => s.codec_type === 'video');
  if (!v?.width || !v.height) return undefined;
  const rotation = Math.abs(v.side_data_list?.find((d) => d.rotation !== undefined)?.rotation ?? Number(v.tags?.rotate ?? 0));
  return rotation % 180 === 90 ? { width: v.height, height: v.width } : { width: v.width, height: v.height };
}
