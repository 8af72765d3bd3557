import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRICS_NAMESPACE, WorkflowMetric } from './metric-names';

/**
 * Workflow outcomes as CloudWatch metrics, written as Embedded Metric Format log lines
 * (Powertools Metrics): no PutMetricData call, so no IAM permission and no latency. The only
 * dimension is `service` = the stack name (video-workflow-<env>), so each environment's
 * dashboard reads its own numbers. AWS/States and AWS/MediaConvert have no per-video outcome,
 * source-minutes or QC metric; these fill that gap (stacks/monitoring.ts graphs them).
 */
export { METRICS_NAMESPACE };

export const metrics = new Metrics({
  namespace: METRICS_NAMESPACE,
  serviceName: process.env.WORKFLOW_NAME ?? 'video-workflow',
});

/** Metrics that are measurements, not counts. */
const UNITLESS: ReadonlySet<keyof typeof WorkflowMetric> = new Set(['SourceMinutesProcessed', 'TopRungSsimP5', 'TopRungVmafMean']);

/** Adds the given metrics and flushes them as one EMF line (handlers call it once per invocation). */
export function emit(values: ReadonlyArray<readonly [keyof typeof WorkflowMetric, number]>, metadata: Record<string, string> = {}): void {
  for (const [name, value] of values) {
    const unit = name === 'ProbeBytesRead' ? MetricUnit.Bytes : UNITLESS.has(name) ? MetricUnit.NoUnit : MetricUnit.Count;
    metrics.addMetric(WorkflowMetric[name], unit, value);
  }
  for (const [key, value] of Object.entries(metadata)) metrics.addMetadata(key, value);
  metrics.publishStoredMetrics();
}
