import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { posix } from 'node:path';
import { runFfmpeg } from './ffmpeg';
import type { FfmpegPlan, PlannedOutput } from './transcode-plan';

/**
 * The local stand-in for MediaConvert's per-frame metric reports: ffmpeg's `ssim` and `psnr`
 * filters compare each encoded output with the source, decoded once and put through the same
 * scale/pad (and frame-rate) filter the encode used, so both sides have the rung's size and
 * the same frames. The results are written in MediaConvert's report layout
 * (`[outputname]_[metric].csv`, `Display_ID,Value` rows, then `Average:`/`Min:`/`Max:`;
 * https://docs.aws.amazon.com/mediaconvert/latest/ug/per-frame-metrics-enable.html) beside the
 * output, so quality-control reads local and cloud reports with the same code.
 * Debian's ffmpeg has no libvmaf, so VMAF is not measured here (the plan reader warns once).
 */
export const LOCAL_FRAME_METRICS = ['SSIM', 'PSNR'] as const;
export type LocalFrameMetric = (typeof LOCAL_FRAME_METRICS)[number];

/**
 * PSNR of identical frames is infinite; MediaConvert's documented example reports such a frame
 * as 100.00, and so do we (a finite number keeps the CSV and the statistics well defined).
 */
export const PSNR_CAP_DB = 100;

export interface MetricReport {
  readonly output: PlannedOutput;
  readonly metric: LocalFrameMetric;
  /** Local CSV path and the s3:// URI MediaConvert would have written it to. */
  readonly path: string;
  readonly uri: string;
  readonly frames: number;
}

export interface MeasureOptions {
  readonly inputPath: string;
  /** Scratch folder for ffmpeg's stats files. */
  readonly workDir: string;
  readonly durationMs?: number;
  readonly onProgress?: (percent: number) => void;
  readonly signal?: AbortSignal;
}

const withoutExtension = (path: string) => path.replace(/\.[^./]+$/, '');

/** The outputs of a plan that asked for per-frame metrics. */
export function measuredOutputs(plan: FfmpegPlan): PlannedOutput[] {
  return plan.groups.flatMap((g) => g.outputs).filter((o) => (o.frameMetrics?.length ?? 0) > 0 && o.referenceFilter !== undefined);
}

/**
 * The ffmpeg arguments that measure every output in one run: the source is decoded once, the
 * way the encode decoded it (an explicit rotation: unrotated, then turned), and split; each output's reference is filtered to its size, both sides start at t=0 (HLS
 * renditions carry an MPEG-TS offset) and are compared frame by frame until the shorter ends.
 * Stats files are named `q<i>_<metric>.log`, relative to the run's working folder.
 */
export function measureArgs(inputPath: string, outputs: readonly PlannedOutput[], decode: FfmpegPlan['decode'] = { inputOptions: [] }): string[] {
  const rotate = decode.filter ? `${decode.filter},` : '';
  const chains: string[] = [`[0:v:0]${rotate}split=${outputs.length}${outputs.map((_, i) => `[src${i}]`).join('')}`];
  const maps: string[] = [];
  outputs.forEach((output, i) => {
    const metrics = output.frameMetrics!;
    const refs = metrics.map((m) => `[ref${i}${m}]`).join('');
    chains.push(`[src${i}]${output.referenceFilter},format=yuv420p,setpts=PTS-STARTPTS${metrics.length > 1 ? `,split=${metrics.length}` : ''}${refs}`);
    chains.push(`[${i + 1}:v:0]format=yuv420p,setpts=PTS-STARTPTS[enc${i}]`);
    let main = `[enc${i}]`;
    for (const metric of metrics) {
      // Both filters pass their first (main) input through, so the metrics chain on one decode of the output.
      const next = `[out${i}${metric}]`;
      chains.push(`${main}[ref${i}${metric}]${metric.toLowerCase()}=stats_file=q${i}_${metric}.log:shortest=1${next}`);
      main = next;
    }
    maps.push('-map', main, '-f', 'null', '-');
  });
  const graph = chains.join(';');
  return ['-y', ...decode.inputOptions, '-i', inputPath, ...outputs.flatMap((o) => ['-i', o.localPath]), '-filter_complex', graph, ...maps];
}

/** Per-frame values from an ffmpeg `ssim` stats line (`n:1 Y:.. U:.. V:.. All:0.98 (17.2)`) or `psnr` line (`n:1 mse_avg:.. psnr_avg:41.2 ..`). */
export function parseStatsFile(text: string, metric: LocalFrameMetric): number[] {
  const key = metric === 'SSIM' ? 'All' : 'psnr_avg';
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, i) => {
      const match = new RegExp(`(?:^|\\s)${key}:(\\S+)`).exec(line);
      if (!match) throw new Error(`ffmpeg ${metric.toLowerCase()} stats line ${i + 1} has no ${key}: "${line.slice(0, 80)}"`);
      const value = match[1] === 'inf' ? PSNR_CAP_DB : Number(match[1]);
      if (!Number.isFinite(value)) throw new Error(`ffmpeg ${metric.toLowerCase()} stats line ${i + 1}: ${key} is not a number`);
      return metric === 'PSNR' ? Math.min(PSNR_CAP_DB, value) : value;
    });
}

/**
 * MediaConvert's per-frame report layout: header, `<frame>,<value>` rows from 0, summary lines
 * (SSIM with 6 decimals, dB and VMAF scores with 2, as in the user guide's example).
 */
export function renderMetricReport(values: readonly number[], digits: number): string {
  const average = values.reduce((a, b) => a + b, 0) / values.length;
  return [
    'Display_ID,Value',
    ...values.map((v, i) => `${i},${v.toFixed(digits)}`),
    `Average: ${average.toFixed(digits)}`,
    `Min: ${Math.min(...values).toFixed(digits)}`,
    `Max: ${Math.max(...values).toFixed(digits)}`,
    '',
  ].join('\n');
}

/**
 * Measures every output that asked for per-frame metrics and writes its reports beside it
 * (`<output name>_SSIM.csv`, `<output name>_PSNR.csv`); returns them for upload, and the ffmpeg
 * arguments it ran (stats files relative to `workDir`) for the benchmark.
 */
export async function measureQuality(plan: FfmpegPlan, options: MeasureOptions): Promise<{ reports: MetricReport[]; args?: string[] }> {
  const outputs = measuredOutputs(plan);
  if (outputs.length === 0) return { reports: [] };
  await mkdir(options.workDir, { recursive: true });
  const args = measureArgs(options.inputPath, outputs, plan.decode);
  await runFfmpeg(args, {
    cwd: options.workDir,
    ...(options.durationMs !== undefined ? { durationMs: options.durationMs } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const reports: MetricReport[] = [];
  for (const [i, output] of outputs.entries()) {
    for (const metric of output.frameMetrics!) {
      const values = parseStatsFile(await readFile(posix.join(options.workDir, `q${i}_${metric}.log`), 'utf8'), metric);
      if (values.length === 0) throw new Error(`ffmpeg measured no frames of ${output.uri} (${metric})`);
      const path = `${withoutExtension(output.localPath)}_${metric}.csv`;
      await writeFile(path, renderMetricReport(values, metric === 'SSIM' ? 6 : 2));
      reports.push({ output, metric, path, uri: `${withoutExtension(output.uri)}_${metric}.csv`, frames: values.length });
    }
  }
  return { reports, args };
}
