/**
 * Picture-quality floors that quality control applies per video rung (the picture-quality gate).
 * A profile may carry its own; absent fields mean "no floor" for that statistic.
 * Statistics are over the rung's per-frame metric values: mean, 5th percentile, minimum frame,
 * and the worst one-second window (mean of the frames in the lowest-scoring second).
 */
export type QualityMetric = 'ssim' | 'psnr' | 'vmaf';

export interface MetricFloor {
  readonly mean?: number;
  readonly p5?: number;
  readonly min?: number;
  readonly worstSecond?: number;
}

export interface QualityThresholds {
  /** Floors for the top (largest) rung of the ladder. */
  readonly topRung: Partial<Record<QualityMetric, MetricFloor>>;
  /** Floors for every other rung. */
  readonly otherRungs: Partial<Record<QualityMetric, MetricFloor>>;
}

/**
 * The floors a plan carries when its profile sets none. A rung passes a floor when its statistic
 * is at or above it. The numbers follow AWS's reading guide for MediaConvert's per-frame metrics
 * ("Metric analysis techniques", https://docs.aws.amazon.com/mediaconvert/latest/ug/per-frame-metrics-analysis.html):
 * SSIM excellent >= 0.95, great 0.90-0.95, good 0.80-0.90, poor below 0.80; PSNR good 30-40 dB,
 * poor at 30 dB or less; VMAF good 70-90, fair 50-70, poor at 50 or less; and "if 95% of your
 * content has a good score, viewers will generally have a good experience" -- hence floors on
 * the 5th percentile. The top rung is what big screens play, so it must be great (SSIM) / good
 * (PSNR, VMAF) on 95% of frames, and no whole second may fall to poor; smaller rungs only need good.
 * VMAF mean 80 (the middle of "good") is also the dashboard alarm's threshold (stacks/monitoring.ts).
 */
export const DEFAULT_QUALITY_THRESHOLDS: QualityThresholds = {
  topRung: {
    ssim: { p5: 0.9, worstSecond: 0.8 },
    psnr: { p5: 30 },
    vmaf: { mean: 80, p5: 70 },
  },
  otherRungs: {
    ssim: { p5: 0.8 },
    psnr: { mean: 30 },
    vmaf: { p5: 50 },
  },
};

/** A profile's changes to the default floors: only the statistics it names (handlers/plan-transcode/profiles). */
export interface QualityThresholdOverrides {
  readonly topRung?: Partial<Record<QualityMetric, MetricFloor>>;
  readonly otherRungs?: Partial<Record<QualityMetric, MetricFloor>>;
}

/**
 * `base` with `overrides` laid over it statistic by statistic: `{ topRung: { vmaf: { mean: 85 } } }`
 * raises the top rung's VMAF mean floor and keeps its VMAF p5 floor. A floor of 0 (or -Infinity
 * for PSNR) switches a statistic off.
 */
export function withQualityOverrides(base: QualityThresholds, overrides: QualityThresholdOverrides | undefined): QualityThresholds {
  if (overrides === undefined) return base;
  const merge = (floors: QualityThresholds['topRung'], over: QualityThresholds['topRung'] | undefined) => {
    const merged: Partial<Record<QualityMetric, MetricFloor>> = { ...floors };
    for (const [metric, floor] of Object.entries(over ?? {}) as [QualityMetric, MetricFloor][]) merged[metric] = { ...floors[metric], ...floor };
    return merged;
  };
  return { topRung: merge(base.topRung, overrides.topRung), otherRungs: merge(base.otherRungs, overrides.otherRungs) };
}
