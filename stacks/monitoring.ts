import { Construct } from 'constructs';
import { CloudwatchDashboard } from '@cdktf/provider-aws/lib/cloudwatch-dashboard';
import { CloudwatchMetricAlarm, CloudwatchMetricAlarmConfig } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { EnvironmentConfig } from './config';
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
  readonly deadLetterQueueNames: readonly string[];
  readonly mediaConvertQueueName: string;
  readonly apiId: string;
  readonly tableName: string;
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

/**
 * The environment's dashboard and alarms. Alarm and OK actions go to the notification topic.
 * treat_missing_data: "notBreaching" for error counts (no datapoint = nothing failed);
 * "missing" would leave INSUFFICIENT_DATA on quiet days and hide real OK transitions.
 */
export class Monitoring extends Construct {
  readonly dashboard: CloudwatchDashboard;
  readonly alarms: CloudwatchMetricAlarm[] = [];

  constructor(scope: Construct, id: string, private readonly props: MonitoringProps) {
    super(scope, id);
    const { names, env } = props;
    const sm = ['StateMachineArn', props.stateMachineArn];
    const mcQueue = ['Queue', props.mediaConvertQueueName];
    const fnNames = Object.values(props.functions).map((f) => f.functionName);

    this.alarm('workflow_failed', {
      alarmDescription: 'A video workflow execution failed (the job record says why).',
      namespace: 'AWS/States', metricName: 'ExecutionsFailed', dimensions: { StateMachineArn: props.stateMachineArn },
      statistic: 'Sum', period: 300, evaluationPeriods: 1, threshold: 1, comparisonOperator: 'GreaterThanOrEqualToThreshold',
      treatMissingData: 'notBreaching',
    });
    this.alarm('workflow_timed_out', {
      alarmDescription: 'A video workflow execution timed out.',
      namespace: 'AWS/States', metricName: 'ExecutionsTimedOut', dimensions: { StateMachineArn: props.stateMachineArn },
      statistic: 'Sum', period: 300, evaluationPeriods: 1, threshold: 1, comparisonOperator: 'GreaterThanOrEqualToThreshold',
      treatMissingData: 'notBreaching',
    });
    this.alarm('mediaconvert_errors', {
      alarmDescription: 'MediaConvert jobs on this environment\'s queue ended in ERROR.',
      namespace: 'AWS/MediaConvert', metricName: 'JobsErroredCount', dimensions: { Queue: props.mediaConvertQueueName },
      statistic: 'Sum', period: 300, evaluationPeriods: 1, threshold: 1, comparisonOperator: 'GreaterThanOrEqualToThreshold',
      treatMissingData: 'notBreaching',
    });
    for (const [handler, fn] of Object.entries(props.functions)) {
      this.alarm(`${snake(handler)}_errors`, {
        alarmDescription: `Function ${fn.functionName} reported errors.`,
        namespace: 'AWS/Lambda', metricName: 'Errors', dimensions: { FunctionName: fn.functionName },
        statistic: 'Sum', period: 300, evaluationPeriods: 1, threshold: env.alarms.lambdaErrorsPerFiveMinutes,
        comparisonOperator: 'GreaterThanOrEqualToThreshold', treatMissingData: 'notBreaching',
      });
    }
    for (const queue of props.deadLetterQueueNames) {
      const key = queue === props.deadLetterQueueNames[0] ? 'ingest_dlq_messages' : 'events_dlq_messages';
      this.alarm(key, {
        alarmDescription: 'Messages reached a dead-letter queue: an event could not be processed.',
        namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: queue },
        // SQS publishes queue metrics even when idle, so a missing point is a gap, not "empty".
        statistic: 'Maximum', period: 300, evaluationPeriods: 1, threshold: 1, comparisonOperator: 'GreaterThanOrEqualToThreshold',
        treatMissingData: 'missing',
      });
    }
    this.alarm('ingest_queue_age', {
      alarmDescription: 'Uploads wait in the ingest queue too long (start-workflow failing or throttled).',
      namespace: 'AWS/SQS', metricName: 'ApproximateAgeOfOldestMessage', dimensions: { QueueName: props.ingestQueueName },
      statistic: 'Maximum', period: 300, evaluationPeriods: 2, threshold: env.alarms.ingestQueueMaxAgeSeconds,
      comparisonOperator: 'GreaterThanOrEqualToThreshold', treatMissingData: 'missing',
    });
    this.alarm('api_5xx_rate', {
      alarmDescription: `More than ${env.alarms.api5xxRatePercent}% of API requests failed with 5xx.`,
      comparisonOperator: 'GreaterThanOrEqualToThreshold', evaluationPeriods: 1, threshold: env.alarms.api5xxRatePercent,
      treatMissingData: 'notBreaching',
      metricQuery: [
        { id: 'rate', expression: 'IF(requests > 0, 100 * errors / requests, 0)', label: '5xx rate (%)', returnData: true },
        { id: 'errors', metric: { namespace: 'AWS/ApiGateway', metricName: '5xx', dimensions: { ApiId: props.apiId, Stage: '$default' }, period: 300, stat: 'Sum' } },
        { id: 'requests', metric: { namespace: 'AWS/ApiGateway', metricName: 'Count', dimensions: { ApiId: props.apiId, Stage: '$default' }, period: 300, stat: 'Sum' } },
      ],
    });

    const api = ['ApiId', props.apiId, 'Stage', '$default'];
    this.dashboard = address(
      new CloudwatchDashboard(this, 'dashboard', {
        dashboardName: names.prefix,
        dashboardBody: dashboardBody(props.region, [
          [
            { title: 'Workflow executions', metrics: ['ExecutionsStarted', 'ExecutionsSucceeded', 'ExecutionsFailed', 'ExecutionsTimedOut'].map((m) => ['AWS/States', m, ...sm]) },
            { title: 'Workflow execution time (ms)', metrics: [['AWS/States', 'ExecutionTime', ...sm, { stat: 'p50' }], ['AWS/States', 'ExecutionTime', ...sm, { stat: 'p90' }]] },
            { title: 'MediaConvert jobs', metrics: [['AWS/MediaConvert', 'JobsCompletedCount', ...mcQueue], ['AWS/MediaConvert', 'JobsErroredCount', ...mcQueue]] },
            { title: 'MediaConvert transcoding time (ms)', metrics: [['AWS/MediaConvert', 'TranscodingTime', ...mcQueue]] },
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
            { title: 'Jobs table throttles', metrics: [['AWS/DynamoDB', 'ReadThrottleEvents', 'TableName', props.tableName], ['AWS/DynamoDB', 'WriteThrottleEvents', 'TableName', props.tableName]] },
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
    const alarm = address(
      new CloudwatchMetricAlarm(this, key, {
        alarmName: this.props.names.of(key.replace(/_/g, '-')),
        alarmActions: [this.props.topicArn],
        okActions: [this.props.topicArn],
        ...config,
      }),
      key,
    );
    this.alarms.push(alarm);
  }
}
