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
} as const;
