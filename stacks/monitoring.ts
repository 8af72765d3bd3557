import { Construct } from 'constructs';
import { CloudwatchDashboard } from '@cdktf/provider-aws/lib/cloudwatch-dashboard';
import { CloudwatchMetricAlarm, CloudwatchMetricAlarmConfig } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { METRICS_NAMESPACE } from '../handlers/shared/metric-names';
import { EnvironmentConfig } from './config';
import { STATUS_INDEX } from './jobs-table';
import { address, Names, snake } from './lib/naming';
import { NodejsFunction } from './lib/nodejs-function';

export interface MonitoringProps {
  readonly names: Names;
  readonly env: EnvironmentConfig;
  readonly region: string;
  readonly accountId: string;
  /** Alarm and OK actions go here. */
  readonly topicArn: string;
  readonly stateMachineArn: string;
  /** Every function of the stack, by handler name. */
  readonly functions: Readonly<Record<string, NodejsFunction>>;
  readonly ingestQueueName: string;
  /** [ingest DLQ, events DLQ]: alarm addresses are ingest_dlq_messages and events_dlq_messages. */
  readonly deadLetterQueueNames: readonly string[];
  /** ARN of this environment's MediaConvert queue: the value of MediaConvert's `Queue` metric dimension. */
  readonly mediaConvertQueueArn: string;
  readonly apiId: string;
  readonly tableName: string;
  /** Spend alarms' thresholds (max_executions_started_per_hour, max_transcoding_minutes_per_hour). */
  readonly spendThresholds: { readonly executionsStartedPerHour: number; readonly transcodingMinutesPerHour: number };
}

/** One metric line on a graph: [namespace, metric, dim1, value1, ..., {options}]. */
type MetricLine = (string | Record<string, unknown>)[];

interface GraphWidget {
  readonly title: string;
  readonly metrics: MetricLine[];
  readonly stat?: string;
  readonly period?: number;
  readonly width?: number;
}

/** CloudWatch dashboard body from typed widget definitions (not a hand-written string). */
export function dashboardBody(region: string, rows: readonly (readonly GraphWidget[])[]): string {
  const widgets: Record<string, unknown>[] = [];
  let y = 0;
  for (const row of rows) {
    let x = 0;
    for (const w of row) {
      const width = w.width ?? Math.floor(24 / row.length);
      widgets.push({
        type: 'metric',
        x,
        y,
        width,
        height: 6,
        properties: { title: w.title, region, view: 'timeSeries', stacked: false, stat: w.stat ?? 'Sum', period: w.period ?? 300, metrics: w.metrics },
      });
      x += width;
    }
    y += 6;
  }
  return JSON.stringify({ widgets });
}

/** Alarm addresses of the dead-letter queues, in the order of `deadLetterQueueNames`. */
const DLQ_ALARMS = ['ingest_dlq_messages', 'events_dlq_messages'] as const;

/**
 * The environment's dashboard and alarms; every metric's dimensions name this environment's
 * resources (Terraform references or `names.of(...)`), never a shared or default one.
 * Alarm and OK actions go to the notification topic; each alarm is explained in docs/runbook.md.
 *
 * Metric names and dimensions, as documented:
 * - AWS/States ExecutionsStarted|Succeeded|Failed|TimedOut, ExecutionTime (ms), dimension
 *   StateMachineArn: https://docs.aws.amazon.com/step-functions/latest/dg/procedure-cw-metrics.html
 * - AWS/Lambda Invocations|Errors|Throttles|Duration, dimension FunctionName:
 *   https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html
 * - AWS/SQS ApproximateNumberOfMessagesVisible|ApproximateAgeOfOldestMessage, dimension QueueName:
 *   https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html
 * - AWS/ApiGateway (HTTP APIs) Count|4xx|5xx|Latency, dimensions ApiId + Stage (lower-case
 *   4xx/5xx, unlike REST APIs' 4XXError): https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-metrics.html
 * - AWS/DynamoDB ReadThrottleEvents|WriteThrottleEvents, dimensions TableName
 *   (+ GlobalSecondaryIndexName): https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/metrics-dimensions.html
 * - AWS/MediaConvert JobsCompletedCount|JobsErroredCount|TranscodingTime (ms), dimension Queue,
 *   whose value is the queue ARN (as the console lists it; MediaConvert events also name queues
 *   by ARN): https://docs.aws.amazon.com/mediaconvert/latest/ug/cloudwatch_metrics.html
 *
 * treat_missing_data is "notBreaching" everywhere: error counts publish nothing when nothing
 * failed, and SQS stops publishing for a queue that has been inactive (empty, untouched) for
 * about six hours, while a queue holding messages is active and always reports (SQS doc above).
 * "missing" would park quiet environments in INSUFFICIENT_DATA and hide real OK transitions.
 */
export class Monitoring extends Construct {
  readonly dashboard: CloudwatchDashboard;

  constructor(scope: Construct, id: string, private readonly props: MonitoringProps) {
    super(scope, id);
    const { names, env } = props;
    if (props.deadLetterQueueNames.length > DLQ_ALARMS.length) {
      throw new Error(`Monitoring: deadLetterQueueNames lists ${props.deadLetterQueueNames.length} queues; alarms exist for ${DLQ_ALARMS.join(', ')} only`);
    }
    const sm = ['StateMachineArn', props.stateMachineArn];
    const service = ['service', names.prefix];
    const mcQueue = ['Queue', props.mediaConvertQueueArn];
    const fnNames = Object.values(props.functions).map((f) => f.functionName);
    const countAlarm = { statistic: 'Sum', period: 300, evaluationPeriods: 1, threshold: 1, comparisonOperator: 'GreaterThanOrEqualToThreshold', treatMissingData: 'notBreaching' };

    this.alarm('workflow_failed', {
      alarmDescription: 'A video workflow execution failed (the job record says why). Runbook: docs/runbook.md#workflow-failed',
      namespace: 'AWS/States', metricName: 'ExecutionsFailed', dimensions: { StateMachineArn: props.stateMachineArn },
      ...countAlarm,
    });
    this.alarm('workflow_timed_out', {
      alarmDescription: 'A video workflow execution timed out. Runbook: docs/runbook.md#workflow-timed-out',
      namespace: 'AWS/States', metricName: 'ExecutionsTimedOut', dimensions: { StateMachineArn: props.stateMachineArn },
      ...countAlarm,
    });
    this.alarm('mediaconvert_errors', {
      alarmDescription: 'MediaConvert jobs on this environment\'s queue ended in ERROR. Runbook: docs/runbook.md#mediaconvert-errors',
      namespace: 'AWS/MediaConvert', metricName: 'JobsErroredCount', dimensions: { Queue: props.mediaConvertQueueArn },
      ...countAlarm,
    });
    for (const [handler, fn] of Object.entries(props.functions)) {
      this.alarm(`${snake(handler)}_errors`, {
        alarmDescription: `Function ${fn.functionName} reported errors (exceptions or timeouts). Runbook: docs/runbook.md#function-errors`,
        namespace: 'AWS/Lambda', metricName: 'Errors', dimensions: { FunctionName: fn.functionName },
        ...countAlarm,
        threshold: env.alarms.lambdaErrorsPerFiveMinutes,
      });
    }
    props.deadLetterQueueNames.forEach((queue, i) => {
      this.alarm(DLQ_ALARMS[i], {
        alarmDescription: `Messages reached the dead-letter queue ${i === 0 ? 'of the ingest queue' : 'of MediaConvert state events'}. Runbook: docs/runbook.md#dead-letter-queues`,
        namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: queue },
        ...countAlarm,
        statistic: 'Maximum',
      });
    });
    this.alarm('ingest_queue_age', {
      alarmDescription: 'Uploads wait in the ingest queue too long (start-workflow failing or throttled). Runbook: docs/runbook.md#ingest-queue-age',
      namespace: 'AWS/SQS', metricName: 'ApproximateAgeOfOldestMessage', dimensions: { QueueName: props.ingestQueueName },
      statistic: 'Maximum', period: 300, evaluationPeriods: 2, threshold: env.alarms.ingestQueueMaxAgeSeconds,
      comparisonOperator: 'GreaterThanOrEqualToThreshold', treatMissingData: 'notBreaching',
    });
    // Spend guardrails: a burst of starts or of MediaConvert minutes is visible within the hour.
    this.alarm('executions_started_per_hour', {
      alarmDescription: `More than the allowed workflow executions started within an hour (max_executions_started_per_hour). Runbook: docs/runbook.md#spend-alarms`,
      namespace: 'AWS/States', metricName: 'ExecutionsStarted', dimensions: { StateMachineArn: props.stateMachineArn },
      statistic: 'Sum', period: 3600, evaluationPeriods: 1, threshold: props.spendThresholds.executionsStartedPerHour,
      comparisonOperator: 'GreaterThanThreshold', treatMissingData: 'notBreaching',
    });
    this.alarm('transcoding_minutes_per_hour', {
      alarmDescription: `This environment's MediaConvert queue transcoded more minutes than allowed within an hour (max_transcoding_minutes_per_hour). Runbook: docs/runbook.md#spend-alarms`,
      comparisonOperator: 'GreaterThanThreshold', evaluationPeriods: 1, threshold: props.spendThresholds.transcodingMinutesPerHour,
      treatMissingData: 'notBreaching',
      metricQuery: [
        // TranscodingTime is reported in milliseconds (MediaConvert metrics page cited above).
        { id: 'minutes', expression: 'transcodingMs / 60000', label: 'MediaConvert transcoding minutes per hour', returnData: true },
        { id: 'transcodingMs', metric: { namespace: 'AWS/MediaConvert', metricName: 'TranscodingTime', dimensions: { Queue: props.mediaConvertQueueArn }, period: 3600, stat: 'Sum' } },
      ],
    });
    const apiDims = { ApiId: props.apiId, Stage: '$default' };
    this.alarm('api_5xx_rate', {
      alarmDescription: `At least ${env.alarms.api5xxRatePercent}% of API requests failed with 5xx. Runbook: docs/runbook.md#api-5xx-rate`,
      comparisonOperator: 'GreaterThanOrEqualToThreshold', evaluationPeriods: 1, threshold: env.alarms.api5xxRatePercent,
      treatMissingData: 'notBreaching',
      metricQuery: [
        { id: 'rate', expression: 'IF(requests > 0, 100 * errors / requests, 0)', label: '5xx rate (%)', returnData: true },
        { id: 'errors', metric: { namespace: 'AWS/ApiGateway', metricName: '5xx', dimensions: apiDims, period: 300, stat: 'Sum' } },
        { id: 'requests', metric: { namespace: 'AWS/ApiGateway', metricName: 'Count', dimensions: apiDims, period: 300, stat: 'Sum' } },
      ],
    });

    const api = ['ApiId', props.apiId, 'Stage', '$default'];
    const table = ['TableName', props.tableName];
    const statusIndex = [...table, 'GlobalSecondaryIndexName', STATUS_INDEX];
    this.dashboard = address(
      new CloudwatchDashboard(this, 'dashboard', {
        dashboardName: names.prefix,
        dashboardBody: dashboardBody(props.region, [
          [
            { title: 'Workflow executions', metrics: ['ExecutionsStarted', 'ExecutionsSucceeded', 'ExecutionsFailed', 'ExecutionsTimedOut'].map((m) => ['AWS/States', m, ...sm]) },
            { title: 'Workflow execution time (ms)', metrics: [['AWS/States', 'ExecutionTime', ...sm, { stat: 'p50' }], ['AWS/States', 'ExecutionTime', ...sm, { stat: 'p90' }]] },
            { title: 'MediaConvert jobs', metrics: [['AWS/MediaConvert', 'JobsCompletedCount', ...mcQueue], ['AWS/MediaConvert', 'JobsErroredCount', ...mcQueue]] },
            { title: 'MediaConvert transcoding time (ms)', stat: 'Average', metrics: [['AWS/MediaConvert', 'TranscodingTime', ...mcQueue]] },
          ],
          [
            { title: 'Lambda invocations', metrics: fnNames.map((f) => ['AWS/Lambda', 'Invocations', 'FunctionName', f]) },
            { title: 'Lambda errors', metrics: fnNames.map((f) => ['AWS/Lambda', 'Errors', 'FunctionName', f]) },
            { title: 'Lambda throttles', metrics: fnNames.map((f) => ['AWS/Lambda', 'Throttles', 'FunctionName', f]) },
            { title: 'Lambda duration p90 (ms)', stat: 'p90', metrics: fnNames.map((f) => ['AWS/Lambda', 'Duration', 'FunctionName', f]) },
          ],
          [
            { title: 'Ingest queue depth', stat: 'Maximum', metrics: [['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', props.ingestQueueName]] },
            { title: 'Ingest oldest message age (s)', stat: 'Maximum', metrics: [['AWS/SQS', 'ApproximateAgeOfOldestMessage', 'QueueName', props.ingestQueueName]] },
            { title: 'Dead-letter queues', stat: 'Maximum', metrics: props.deadLetterQueueNames.map((q) => ['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', q]) },
          ],
          [
            { title: 'API requests and errors', metrics: [['AWS/ApiGateway', 'Count', ...api], ['AWS/ApiGateway', '4xx', ...api], ['AWS/ApiGateway', '5xx', ...api]] },
            { title: 'API latency p90 (ms)', stat: 'p90', metrics: [['AWS/ApiGateway', 'Latency', ...api]] },
            {
              title: 'Jobs table throttles',
              metrics: [
                ['AWS/DynamoDB', 'ReadThrottleEvents', ...table],
                ['AWS/DynamoDB', 'WriteThrottleEvents', ...table],
                ['AWS/DynamoDB', 'ReadThrottleEvents', ...statusIndex],
                ['AWS/DynamoDB', 'WriteThrottleEvents', ...statusIndex],
              ],
            },
          ],
          [
            // EMF metrics from the handlers (handlers/shared/metrics.ts), dimension service = stack name.
            { title: 'Videos completed / failed / QC failures', metrics: ['VideosCompleted', 'VideosFailed', 'QualityChecksFailed'].map((m) => [METRICS_NAMESPACE, m, ...service]) },
            { title: 'Source minutes processed', metrics: [[METRICS_NAMESPACE, 'SourceMinutesProcessed', ...service]] },
            { title: 'Bytes read by the metadata probe', metrics: [[METRICS_NAMESPACE, 'ProbeBytesRead', ...service]] },
          ],
        ]),
      }),
      'main',
    );
  }

  get dashboardUrl(): string {
    return `https://${this.props.region}.console.aws.amazon.com/cloudwatch/home?region=${this.props.region}#dashboards/dashboard/${this.props.names.prefix}`;
  }

  private alarm(key: string, config: Omit<CloudwatchMetricAlarmConfig, 'alarmName' | 'alarmActions' | 'okActions'>): void {
    address(
      new CloudwatchMetricAlarm(this, key, {
        alarmName: this.props.names.of(key.replace(/_/g, '-')),
        alarmActions: [this.props.topicArn],
        okActions: [this.props.topicArn],
        ...config,
      }),
      key,
    );
  }
}
