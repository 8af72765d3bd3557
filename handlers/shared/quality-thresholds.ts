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
