import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ExpectedOutput, MetricStats, QcCheck, QualityReport, RungQuality } from '../shared/job';
import { DEFAULT_QUALITY_THRESHOLDS, type QualityMetric, type QualityThresholds } from '../shared/quality-thresholds';
import { isS3NotFound } from '../shared/s3-errors';
import { parseS3Uri } from '../shared/s3-uri';
import {
  evaluateRung,
  metricFileUri,
  metricStats,
  MetricFileFormatError,
  outputNameUri,
  parseMetricCsv,
  QUALITY_METRICS,
  REQUIRED_METRICS,
} from './quality-metrics';

export interface QualityGateInput {
  readonly expectedOutputs: readonly ExpectedOutput[];
  /** The profile's floors; the defaults when the plan carries none. */
  readonly thresholds?: QualityThresholds;
  readonly durationSeconds: number;
  /** The source's frame rate (extract-metadata); the worst-second window is this many frames. */
  readonly frameRate?: number;
}

export interface QualityGateResult {
  readonly quality: QualityReport;
  readonly checks: readonly QcCheck[];
  /** A required metric file is missing or unreadable for some output. */
  readonly metricsMissing: boolean;
  /** Some rung is below one of its floors. */
  readonly belowThreshold: boolean;
}

type VideoOutput = ExpectedOutput & { readonly kind: 'mp4' | 'hls-rendition'; readonly width: number; readonly height: number };

function videoOutputs(expected: readonly ExpectedOutput[]): VideoOutput[] {
  return expected.filter((o): o is VideoOutput => (o.kind === 'mp4' || o.kind === 'hls-rendition') && o.width !== undefined && o.height !== undefined);
}

/**
 * Reads every video output's per-frame metric files (S3 GetObject beside the output), computes
 * per-metric statistics and checks them against the floors. The top rung is every output of the
 * largest planned size (the MP4 and the top HLS rendition). S3 errors other than "not found"
 * propagate, so Step Functions retries the task.
 */
export async function qualityGate(s3: Pick<S3Client, 'send'>, input: QualityGateInput): Promise<QualityGateResult> {
  const outputs = videoOutputs(input.expectedOutputs);
  const thresholds = input.thresholds ?? DEFAULT_QUALITY_THRESHOLDS;
  const topPixels = Math.max(0, ...outputs.map((o) => o.width * o.height));
  const checks: QcCheck[] = [];
  const rungs: RungQuality[] = [];
  let metricsMissing = false;

  if (outputs.length === 0) {
    return {
      quality: { rungs: [] },
      checks: [{ name: 'quality:outputs', passed: false, detail: 'QualityMetricsMissing: the plan lists no video output to measure' }],
      metricsMissing: true,
      belowThreshold: false,
    };
  }

  // One output at a time (its metrics in parallel): a long video's CSVs are megabytes each.
  for (const output of outputs) {
    const name = outputNameUri(output.uri).split('/').pop()!;
    const measured: Partial<Record<QualityMetric, MetricStats>> = {};
    const reads = await Promise.all(QUALITY_METRICS.map(async (metric) => ({ metric, read: await readMetric(s3, metricFileUri(output.uri, metric)) })));
    for (const { metric, read } of reads) {
      const uri = metricFileUri(output.uri, metric);
      if (read.kind === 'values') {
        const fps = input.frameRate !== undefined && input.frameRate > 0 ? input.frameRate : read.values.length / input.durationSeconds;
        measured[metric] = metricStats(read.values, fps);
        continue;
      }
      if (!REQUIRED_METRICS.includes(metric) && read.kind === 'missing') continue;
      metricsMissing = true;
      checks.push({
        name: `quality-metrics:${name}:${metric}`,
        passed: false,
        detail: read.kind === 'missing' ? `QualityMetricsMissing: ${uri} is missing` : `QualityMetricsMissing: ${uri} is unreadable (${read.reason})`,
      });
    }
    if (measured.ssim === undefined || measured.psnr === undefined) continue;
    const rung: RungQuality = {
      name,
      width: output.width,
      height: output.height,
      ...(output.maxBitrate !== undefined ? { bitrate: output.maxBitrate } : {}),
      top: output.width * output.height === topPixels,
      ssim: measured.ssim,
      psnr: measured.psnr,
      ...(measured.vmaf !== undefined ? { vmaf: measured.vmaf } : {}),
    };
    rungs.push(rung);
    checks.push(...evaluateRung(rung, thresholds));
  }
  const belowThreshold = checks.some((c) => !c.passed && c.name.startsWith('quality:'));
  return { quality: { rungs }, checks, metricsMissing, belowThreshold };
}

type MetricRead = { kind: 'values'; values: readonly number[] } | { kind: 'missing' } | { kind: 'invalid'; reason: string };

async function readMetric(s3: Pick<S3Client, 'send'>, uri: string): Promise<MetricRead> {
  const { bucket, key } = parseS3Uri(uri);
  let text: string;
  try {
    const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if (response?.Body === undefined) return { kind: 'missing' };
    text = await response.Body.transformToString('utf-8');
  } catch (error) {
    if (isS3NotFound(error)) return { kind: 'missing' };
    throw error;
  }
  try {
    return { kind: 'values', values: parseMetricCsv(text).values };
  } catch (error) {
    if (error instanceof MetricFileFormatError) return { kind: 'invalid', reason: error.message };
    throw error;
  }
}

/**
 * The per-environment quality metrics (EMF, graphed and alarmed in stacks/quality-monitoring.ts):
 * the worst top-rung output's SSIM 5th percentile and, where measured, VMAF mean.
 */
export function topRungMetrics(quality: QualityReport | undefined): Array<readonly ['TopRungSsimP5' | 'TopRungVmafMean', number]> {
  const top = (quality?.rungs ?? []).filter((r) => r.top);
  const vmaf = top.flatMap((r) => (r.vmaf ? [r.vmaf.mean] : []));
  return [
    ...(top.length > 0 ? [['TopRungSsimP5', Math.min(...top.map((r) => r.ssim.p5))] as const] : []),
    ...(vmaf.length > 0 ? [['TopRungVmafMean', Math.min(...vmaf)] as const] : []),
  ];
}
