import type { CloudwatchMetricAlarmConfig } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { METRICS_NAMESPACE, WorkflowMetric } from '../handlers/shared/metric-names';
import { DEFAULT_QUALITY_THRESHOLDS } from '../handlers/shared/quality-thresholds';

/** The picture-quality section of an environment's monitoring (stacks/monitoring.ts draws and creates it). */

type AlarmConfig = Omit<CloudwatchMetricAlarmConfig, 'alarmName' | 'alarmActions' | 'okActions'>;

/** The floors the alarms watch: the default top-rung floors (a profile may set stricter ones; QC enforces those per job). */
export const QUALITY_ALARM_THRESHOLDS = {
  ssimP5: DEFAULT_QUALITY_THRESHOLDS.topRung.ssim!.p5!,
  vmafMean: DEFAULT_QUALITY_THRESHOLDS.topRung.vmaf!.mean!,
} as const;

/**
 * One day, one evaluation: "the daily minimum". PutMetricAlarm allows Period x EvaluationPeriods
 * up to 604,800 s for periods of an hour or more
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html).
 */
const DAY_SECONDS = 86_400;

/**
 * Alarms when the lowest value of the day (statistic Minimum over one day) of the quality-control
 * EMF metrics falls below the default top-rung floor. Missing data is not breaching: a day
 * without videos (or, for VMAF, without VMAF reports) says nothing about quality.
 */
export function qualityAlarms(service: string): Record<string, AlarmConfig> {
  const daily = {
    namespace: METRICS_NAMESPACE,
    dimensions: { service },
    statistic: 'Minimum',
    period: DAY_SECONDS,
    evaluationPeriods: 1,
    comparisonOperator: 'LessThanThreshold',
    treatMissingData: 'notBreaching',
  } as const;
  return {
    quality_top_rung_ssim: {
      ...daily,
      alarmDescription: `A video's top rung had an SSIM 5th percentile below ${QUALITY_ALARM_THRESHOLDS.ssimP5} today (blocky or smeared pictures on big screens). Runbook: docs/runbook.md#quality-below-threshold`,
      metricName: WorkflowMetric.TopRungSsimP5,
      threshold: QUALITY_ALARM_THRESHOLDS.ssimP5,
    },
    quality_top_rung_vmaf: {
      ...daily,
      alarmDescription: `A video's top rung had a VMAF mean below ${QUALITY_ALARM_THRESHOLDS.vmafMean} today (viewers would rate it worse than good streaming). Runbook: docs/runbook.md#quality-below-threshold`,
      metricName: WorkflowMetric.TopRungVmafMean,
      threshold: QUALITY_ALARM_THRESHOLDS.vmafMean,
    },
  };
}

/** The dashboard row: each metric per job (minimum per hour) with its floor as a line. */
export function qualityWidgets(service: string) {
  const line = (metric: string) => [METRICS_NAMESPACE, metric, 'service', service];
  return [
    {
      title: 'Top rung SSIM 5th percentile (lowest per hour)',
      stat: 'Minimum',
      period: 3600,
      metrics: [line(WorkflowMetric.TopRungSsimP5)],
      annotations: { horizontal: [{ label: 'alarm floor', value: QUALITY_ALARM_THRESHOLDS.ssimP5 }] },
    },
    {
      title: 'Top rung VMAF mean (lowest per hour)',
      stat: 'Minimum',
      period: 3600,
      metrics: [line(WorkflowMetric.TopRungVmafMean)],
      annotations: { horizontal: [{ label: 'alarm floor', value: QUALITY_ALARM_THRESHOLDS.vmafMean }] },
    },
  ];
}
