import { Construct } from 'constructs';
import { CloudwatchDashboard } from '@cdktf/provider-aws/lib/cloudwatch-dashboard';
import { CloudwatchLogMetricFilter } from '@cdktf/provider-aws/lib/cloudwatch-log-metric-filter';
import { CloudwatchMetricAlarm, CloudwatchMetricAlarmConfig } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SnsTopicPolicy } from '@cdktf/provider-aws/lib/sns-topic-policy';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription';
import { Token } from 'cdktf';
import { METRICS_NAMESPACE } from '../handlers/shared/metric-names';
import { EnvironmentConfig } from './config';
import { keyPolicy, SERVICES } from './encryption';
import { qualityAlarms, qualityWidgets } from './quality-monitoring';
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
  /** The playback distribution (stacks/delivery.ts): its alarm and dashboard row. */
  readonly delivery?: DeliveryMonitoring;
  /** Spend alarms' thresholds (max_executions_started_per_hour, max_transcoding_minutes_per_hour). */
  readonly spendThresholds: { readonly executionsStartedPerHour: number; readonly transcodingMinutesPerHour: number };
}

export interface DeliveryMonitoring {
  readonly distributionId: string;
  /** Provider alias for us-east-1, where CloudFront publishes its metrics (and so where its alarms live). */
  readonly usEast1: AwsProvider;
  /** CacheHitRate is graphed only when the distribution has additional metrics on. */
  readonly additionalMetrics: boolean;
}

/** Metric of get-job's "Playback signing failed" log lines (a log metric filter; dimension service = function name). */
export const PLAYBACK_SIGNING_FAILURES = 'PlaybackSigningFailures';

/** CloudFront publishes every metric in us-east-1 with dimension Region = Global. */
export const CLOUDFRONT_METRICS_REGION = 'us-east-1';

/** One metric line on a graph: [namespace, metric, dim1, value1, ..., {options}]. */
type MetricLine = (string | Record<string, unknown>)[];

interface GraphWidget {
  readonly title: string;
  /** Region of the metrics. @default the dashboard's region */
  readonly region?: string;
  readonly metrics: MetricLine[];
  readonly stat?: string;
  readonly period?: number;
  readonly width?: number;
  /** Threshold lines (dashboard body `annotations`). */
  readonly annotations?: { readonly horizontal: ReadonlyArray<{ readonly label: string; readonly value: number }> };
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
        properties: {
          title: w.title, region: w.region ?? region, view: 'timeSeries', stacked: false, stat: w.stat ?? 'Sum', period: w.period ?? 300, metrics: w.metrics,
          ...(w.annotations ? { annotations: w.annotations } : {}),
        },
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

    // Picture quality (stacks/quality-monitoring.ts): quality-control's EMF metrics, daily-minimum alarms.
    for (const [key, config] of Object.entries(qualityAlarms(names.prefix))) this.alarm(key, config);

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
          qualityWidgets(names.prefix),
          ...this.deliveryRows(),
        ]),
      }),
      'main',
    );
    this.watchDelivery();
  }

  // ---- CloudFront (playback distribution) ----
  // Metrics: AWS/CloudFront Requests, BytesDownloaded, 4xxErrorRate, 5xxErrorRate (and with
  // additional metrics CacheHitRate), dimensions DistributionId + Region=Global, published in
  // us-east-1 only: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/programming-cloudwatch-metrics.html
  // ("Types of CloudFront metrics"). An alarm evaluates metrics of its own Region, and its SNS
  // action must be a topic of that Region (PutMetricAlarm, AlarmActions:
  // https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html),
  // so the alarm is created through the us-east-1 provider alias and, when the stack lives
  // elsewhere, notifies a small us-east-1 topic (same email subscription, its own key).

  private deliveryRows(): GraphWidget[][] {
    const d = this.props.delivery;
    if (!d) return [];
    const dims = ['DistributionId', d.distributionId, 'Region', 'Global'];
    const cf = (metric: string) => ['AWS/CloudFront', metric, ...dims];
    const region = CLOUDFRONT_METRICS_REGION;
    return [
      [
        { title: 'Playback requests (CloudFront)', region, metrics: [cf('Requests')] },
        { title: 'Playback bytes downloaded', region, metrics: [cf('BytesDownloaded')] },
        { title: 'Playback 4xx / 5xx rate (%)', region, stat: 'Average', metrics: [cf('4xxErrorRate'), cf('5xxErrorRate')] },
        ...(d.additionalMetrics ? [{ title: 'Playback cache hit rate (%)', region, stat: 'Average', metrics: [cf('CacheHitRate')] }] : []),
      ],
    ];
  }

  private watchDelivery(): void {
    const d = this.props.delivery;
    if (!d) return;
    const { names, env } = this.props;
    const elsewhere = `var.aws_region != "${CLOUDFRONT_METRICS_REGION}"`;
    const count = Token.asNumber(`\${${elsewhere} ? 1 : 0}`);
    address(
      new KmsKey(this, 'delivery-alarms-key', {
        provider: d.usEast1,
        count,
        description: `${names.prefix}: CloudFront alarm topic (us-east-1)`,
        enableKeyRotation: true,
        deletionWindowInDays: 7,
        policy: keyPolicy(this.props.accountId, SERVICES, undefined),
      }),
      'delivery_alarms',
    );
    address(
      new SnsTopic(this, 'delivery-alarms-topic', {
        provider: d.usEast1,
        count,
        name: names.of('delivery-alarms'),
        kmsMasterKeyId: '${aws_kms_key.delivery_alarms[0].arn}',
      }),
      'delivery_alarms',
    );
    const topicArn = '${aws_sns_topic.delivery_alarms[0].arn}';
    address(
      new SnsTopicPolicy(this, 'delivery-alarms-policy', {
        provider: d.usEast1,
        count,
        arn: topicArn,
        policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'CloudWatchAlarmsOfThisStack',
              Effect: 'Allow',
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: 'sns:Publish',
              Resource: topicArn,
              Condition: {
                ArnLike: { 'aws:SourceArn': `arn:aws:cloudwatch:${CLOUDFRONT_METRICS_REGION}:${this.props.accountId}:alarm:${names.prefix}-*` },
                StringEquals: { 'aws:SourceAccount': this.props.accountId },
              },
            },
            { Sid: 'DenyInsecureTransport', Effect: 'Deny', Principal: '*', Action: 'sns:Publish', Resource: topicArn, Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
          ],
        }),
      }),
      'delivery_alarms',
    );
    address(
      new SnsTopicSubscription(this, 'delivery-alarms-email', {
        provider: d.usEast1,
        count: Token.asNumber(`\${${elsewhere} && var.notification_email != "" ? 1 : 0}`),
        topicArn,
        protocol: 'email',
        endpoint: '${var.notification_email}',
      }),
      'delivery_alarms_email',
    );
    // get-job fails closed when it cannot sign playback (500 PLAYBACK_SIGNING_FAILED): its log
    // line `errorName: PlaybackSigningFailed` becomes a metric, so one failure alarms at once
    // (the API 5xx rate alarm would need a share of all requests).
    const getJob = this.props.functions['get-job'];
    if (getJob) {
      address(
        new CloudwatchLogMetricFilter(this, 'playback-signing-failures', {
          name: names.of('playback-signing-failures'),
          logGroupName: getJob.logGroup.name,
          pattern: '{ $.errorName = "PlaybackSigningFailed" }',
          metricTransformation: { namespace: METRICS_NAMESPACE, name: PLAYBACK_SIGNING_FAILURES, value: '1', dimensions: { service: '$.service' } },
        }),
        'playback_signing_failed',
      );
      this.alarm('playback_signing_failed', {
        alarmDescription: 'get-job could not sign playback URLs (signing key unreadable or invalid) and answered 500. Runbook: docs/runbook.md#playback-signing-failed',
        namespace: METRICS_NAMESPACE, metricName: PLAYBACK_SIGNING_FAILURES, dimensions: { service: getJob.functionName },
        statistic: 'Sum', period: 300, evaluationPeriods: 1, threshold: 1, comparisonOperator: 'GreaterThanOrEqualToThreshold', treatMissingData: 'notBreaching',
      });
    }
    // The stack's own topic when the stack is in us-east-1, else the us-east-1 topic above.
    // (A token cannot sit inside a hand-written expression: the stack topic by its stable address.)
    const action = `\${${elsewhere} ? aws_sns_topic.delivery_alarms[0].arn : aws_sns_topic.notifications.arn}`;
    address(
      new CloudwatchMetricAlarm(this, 'delivery_5xx_rate', {
        provider: d.usEast1,
        alarmName: names.of('delivery-5xx-rate'),
        alarmDescription: `At least ${env.alarms.delivery5xxRatePercent}% of playback requests failed with 5xx (CloudFront or the output bucket). Runbook: docs/runbook.md#delivery-5xx-rate`,
        namespace: 'AWS/CloudFront',
        metricName: '5xxErrorRate',
        dimensions: { DistributionId: d.distributionId, Region: 'Global' },
        statistic: 'Average',
        period: 300,
        evaluationPeriods: 2,
        threshold: env.alarms.delivery5xxRatePercent,
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
        treatMissingData: 'notBreaching',
        alarmActions: [action],
        okActions: [action],
      }),
      'delivery_5xx_rate',
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
