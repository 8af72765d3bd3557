import type { MetricStats, QcCheck, RungQuality } from '../shared/job';
import type { MetricFloor, QualityMetric, QualityThresholds } from '../shared/quality-thresholds';

/**
 * MediaConvert's per-frame metric reports, read the way the AWS user guide describes them
 * ("Generating per-frame metric reports",
 * https://docs.aws.amazon.com/mediaconvert/latest/ug/per-frame-metrics-enable.html):
 * - one CSV per output and metric in the output's S3 destination, named `[outputname]_[metric].csv`
 *   (`outputname_SSIM.csv`, `outputname_PSNR.csv`, `outputname_VMAF.csv`);
 * - a `Display_ID,Value` header, then one `<frame number>,<metric value>` row per frame;
 * - summary lines at the end: `Average: 43.15`, `Min: 34.19`, `Max: 100.00`.
 * The local transcoder (local/quality-measure.ts) writes the same layout from ffmpeg's ssim and psnr filters.
 */

/** The `PerFrameMetrics` value (and file-name suffix) of each metric the gate reads. */
export const METRIC_FILE_SUFFIX: Readonly<Record<QualityMetric, 'SSIM' | 'PSNR' | 'VMAF'>> = { ssim: 'SSIM', psnr: 'PSNR', vmaf: 'VMAF' };

/**
 * Metrics every video output must report. VMAF is read and gated when its file exists
 * (MediaConvert writes it for the codecs we plan; the local ffmpeg has no libvmaf), so a rung
 * never passes on VMAF alone and never fails only because a transcoder cannot compute it.
 */
export const REQUIRED_METRICS: readonly QualityMetric[] = ['ssim', 'psnr'];
export const QUALITY_METRICS: readonly QualityMetric[] = ['ssim', 'psnr', 'vmaf'];

const STATISTICS = ['mean', 'p5', 'min', 'worstSecond'] as const satisfies readonly (keyof MetricFloor)[];
const STATISTIC_LABEL: Readonly<Record<(typeof STATISTICS)[number], string>> = {
  mean: 'mean',
  p5: '5th percentile',
  min: 'minimum',
  worstSecond: 'worst one-second window',
};

/** `s3://b/job/hls/master_720p.m3u8` -> `s3://b/job/hls/master_720p_SSIM.csv` (the output name is the file name without its extension). */
export function metricFileUri(outputUri: string, metric: QualityMetric): string {
  return `${outputNameUri(outputUri)}_${METRIC_FILE_SUFFIX[metric]}.csv`;
}

export function outputNameUri(outputUri: string): string {
  return outputUri.replace(/\.[^./]+$/, '');
}

/** A metric file that does not follow the documented layout. */
export class MetricFileFormatError extends Error {
  override readonly name = 'MetricFileFormatError';
}

export interface MetricFile {
  /** Values in display order (sorted by Display_ID). */
  readonly values: readonly number[];
  /** The file's own summary lines, when present. */
  readonly summary: { readonly average?: number; readonly min?: number; readonly max?: number };
}

const SUMMARY = /^(Average|Min|Max)\s*:\s*(\S+)$/i;
const ROW = /^\s*(\d+)\s*,\s*([^,\s]+)\s*$/;

/** Parses one per-frame metric CSV. Throws MetricFileFormatError naming the line that breaks the layout. */
export function parseMetricCsv(text: string): MetricFile {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  let index = lines.findIndex((l) => l.trim() !== '');
  if (index < 0) throw new MetricFileFormatError('the file is empty');
  if (!/^display_id\s*,\s*value$/i.test(lines[index].trim())) {
    throw new MetricFileFormatError(`line ${index + 1}: expected the header "Display_ID,Value", found "${lines[index].trim().slice(0, 60)}"`);
  }
  const rows: Array<{ id: number; value: number }> = [];
  const seen = new Set<number>();
  const summary: { average?: number; min?: number; max?: number } = {};
  for (index += 1; index < lines.length; index++) {
    const line = lines[index].trim();
    if (line === '') continue;
    const total = SUMMARY.exec(line);
    if (total) {
      const value = Number(total[2]);
      if (!Number.isFinite(value)) throw new MetricFileFormatError(`line ${index + 1}: summary "${line}" is not a number`);
      const key = total[1].toLowerCase() === 'average' ? 'average' : (total[1].toLowerCase() as 'min' | 'max');
      summary[key] = value;
      continue;
    }
    const row = ROW.exec(line);
    if (!row || Object.keys(summary).length > 0) {
      throw new MetricFileFormatError(`line ${index + 1}: expected "<frame>,<value>" before the summary, found "${line.slice(0, 60)}"`);
    }
    const id = Number(row[1]);
    const value = Number(row[2]);
    if (!Number.isFinite(value)) throw new MetricFileFormatError(`line ${index + 1}: frame ${id} has no numeric value ("${row[2]}")`);
    if (seen.has(id)) throw new MetricFileFormatError(`line ${index + 1}: frame ${id} appears twice`);
    seen.add(id);
    rows.push({ id, value });
  }
  if (rows.length === 0) throw new MetricFileFormatError('the file has no frame rows');
  rows.sort((a, b) => a.id - b.id);
  return { values: rows.map((r) => r.value), summary };
}

const round = (value: number) => Math.round(value * 10_000) / 10_000;

/**
 * Mean, 5th percentile (linear interpolation between closest ranks), minimum, and the mean of
 * the worst window of `round(framesPerSecond)` consecutive frames (all frames when shorter).
 * Rounded to 4 decimals: the record shows these values and thresholds compare against them.
 */
export function metricStats(values: readonly number[], framesPerSecond: number): MetricStats {
  if (values.length === 0) throw new Error('metricStats: no values');
  const n = values.length;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = 0.05 * (n - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  const p5 = sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
  const sum = values.reduce((a, b) => a + b, 0);
  const window = Math.min(n, Math.max(1, Math.round(Number.isFinite(framesPerSecond) && framesPerSecond > 0 ? framesPerSecond : 1)));
  let windowSum = 0;
  for (let i = 0; i < window; i++) windowSum += values[i];
  let worst = windowSum;
  for (let i = window; i < n; i++) {
    windowSum += values[i] - values[i - window];
    if (windowSum < worst) worst = windowSum;
  }
  return { mean: round(sum / n), p5: round(p5), min: round(sorted[0]), worstSecond: round(worst / window), frames: n };
}

/** The floors that apply to a rung: the top rung's, or every other rung's. */
export function floorsFor(rung: Pick<RungQuality, 'top'>, thresholds: QualityThresholds): Partial<Record<QualityMetric, MetricFloor>> {
  return rung.top ? thresholds.topRung : thresholds.otherRungs;
}

/**
 * One check per floor that applies to the rung. A failed check's detail names the rung, metric,
 * statistic, value and threshold (it becomes the job's error cause). A value equal to its floor passes.
 * A VMAF floor on a rung without VMAF (see REQUIRED_METRICS) is reported as not applied.
 */
export function evaluateRung(rung: RungQuality, thresholds: QualityThresholds): QcCheck[] {
  const floors = floorsFor(rung, thresholds);
  const label = `rung ${rung.name} (${rung.width}x${rung.height}${rung.top ? ', top' : ''})`;
  return QUALITY_METRICS.flatMap((metric): QcCheck[] => {
    const floor = floors[metric];
    if (floor === undefined) return [];
    const stats = rung[metric];
    if (stats === undefined) {
      return [{ name: `quality:${rung.name}:${metric}`, passed: true, detail: `${label}: no ${METRIC_FILE_SUFFIX[metric]} report, ${metric} floors not applied` }];
    }
    return STATISTICS.filter((s) => floor[s] !== undefined).map((statistic): QcCheck => {
      const threshold = floor[statistic]!;
      const value = stats[statistic];
      const passed = value >= threshold;
      const what = `${metric.toUpperCase()} ${STATISTIC_LABEL[statistic]}`;
      return {
        name: `quality:${rung.name}:${metric}.${statistic}`,
        passed,
        detail: passed
          ? `${label}: ${what} ${value} >= ${threshold}`
          : `QualityBelowThreshold: ${label} ${what} is ${value}, below the threshold ${threshold}`,
      };
    });
  });
}
