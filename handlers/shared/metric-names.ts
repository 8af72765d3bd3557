/**
 * Names of the handlers' EMF metrics, shared with stacks/monitoring.ts (kept free of imports so
 * the stacks do not load Powertools at synth time).
 */
export const METRICS_NAMESPACE = 'VideoWorkflow';

export const WorkflowMetric = {
  VideosCompleted: 'VideosCompleted',
  VideosFailed: 'VideosFailed',
  SourceMinutesProcessed: 'SourceMinutesProcessed',
  QualityChecksFailed: 'QualityChecksFailed',
  ProbeBytesRead: 'ProbeBytesRead',
  /** Per measured job: the lowest SSIM 5th percentile among the top-rung outputs (0..1). */
  TopRungSsimP5: 'TopRungSsimP5',
  /** Per measured job with VMAF reports: the lowest VMAF mean among the top-rung outputs (0..100). */
  TopRungVmafMean: 'TopRungVmafMean',
} as const;
