/**
 * Observability (issue 6): every alarm watches the right metric of THIS environment's
 * resources, with the environment's threshold, and notifies on ALARM and on OK; the dashboard
 * only graphs this environment's resources and has the widgets operators rely on; tracing and
 * logging are on everywhere. Metric names and dimensions are the documented ones (links in
 * stacks/monitoring.ts); these tests pin them so a typo cannot silently produce an alarm that
 * never fires.
 */
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ENVIRONMENTS, ENVIRONMENT_NAMES, EnvironmentName } from '../../stacks/config';
import { STATUS_INDEX } from '../../stacks/jobs-table';
import { handlerNames } from '../../stacks/lib/bundle';
import { snake } from '../../stacks/lib/naming';
import { SynthesizedStack, SynthResult, synthApp } from '../helpers/synth';

// The functions, as the bundler finds them (shared/ and lambda-runtime/ are code the handlers import).
const HANDLERS = handlerNames();
const TOPIC = '${aws_sns_topic.notifications.arn}';
const STATE_MACHINE = '${aws_sfn_state_machine.workflow.arn}';
const MEDIACONVERT_QUEUE_ARN = '${aws_media_convert_queue.transcode.arn}';
const DELIVERY_ALARM_TOPIC = '${var.aws_region != "us-east-1" ? aws_sns_topic.delivery_alarms[0].arn : aws_sns_topic.notifications.arn}';
const DISTRIBUTION_ID = '${aws_cloudfront_distribution.delivery.id}';
const API = { ApiId: '${aws_apigatewayv2_api.jobs.id}', Stage: '$default' };

let app: SynthResult;
beforeAll(() => {
  app = synthApp();
});

type Alarm = Record<string, any>;
const alarms = (envName: EnvironmentName): Record<string, Alarm> => app.env(envName).resources(CloudwatchMetricAlarm.tfResourceType);

interface MetricLine {
  readonly namespace: string;
  readonly metric: string;
  readonly dimensions: Record<string, string>;
  readonly options: Record<string, unknown>;
}
interface Widget {
  readonly properties: { title: string; region: string; stat: string; metrics: (string | Record<string, unknown>)[][] };
}

function dashboard(envName: EnvironmentName): { widgets: Widget[]; lines: (MetricLine & { widget: string; stat: string })[] } {
  const body = JSON.parse(app.env(envName).resource('aws_cloudwatch_dashboard', 'main').dashboard_body) as { widgets: Widget[] };
  const lines = body.widgets.flatMap((w) =>
    w.properties.metrics.map((line) => {
      const [namespace, metric, ...rest] = line as string[];
      const options = (typeof rest[rest.length - 1] === 'object' ? rest.pop() : {}) as unknown as Record<string, unknown>;
      const dimensions: Record<string, string> = {};
      for (let i = 0; i < rest.length; i += 2) dimensions[rest[i]] = rest[i + 1];
      // eslint-disable-next-line @typescript-eslint/no-base-to-string -- a widget's stat is a string ("Sum", "p99") or absent
      return { namespace, metric, dimensions, options, widget: w.properties.title, stat: String(options.stat ?? w.properties.stat) };
    }),
  );
  return { widgets: body.widgets, lines };
}

/**
 * Where a dimension value points: every `${...}` must be a reference to a block of this stack
 * (or var.aws_region), and literal names must carry this environment's prefix.
 */
function foreignReferences(stack: SynthesizedStack, envName: EnvironmentName, value: string): string[] {
  const problems: string[] = [];
  for (const [, ref] of value.matchAll(/\$\{([^}]*)\}/g)) {
    const [first, second, third] = ref.split('.');
    const ok =
      ref === 'var.aws_region' ||
      (first === 'data' && third !== undefined && stack.data(second)[third] !== undefined) ||
      (first.startsWith('aws_') && stack.resources(first)[second] !== undefined);
    if (!ok) problems.push(`unresolved \${${ref}}`);
  }
  for (const other of ENVIRONMENT_NAMES.filter((e) => e !== envName)) {
    if (value.includes(`video-workflow-${other}`)) problems.push(`names ${other}: ${value}`);
  }
  const literal = value.replace(/\$\{[^}]*\}/g, '');
  // `service` of the handlers' EMF metrics is the stack name itself.
  // `Global` is the documented Region dimension value of every CloudFront metric.
  if (literal === value && value !== '$default' && value !== STATUS_INDEX && value !== `video-workflow-${envName}` && value !== 'Global') {
    const functionNames = Object.values(stack.resources('aws_lambda_function')).map((f) => f.function_name);
    if (!functionNames.includes(value)) problems.push(`literal "${value}" is not a function of this stack`);
  }
  return problems;
}

describe.each(ENVIRONMENT_NAMES)('alarms (%s)', (envName) => {
  const env = ENVIRONMENTS[envName];
  const prefix = `video-workflow-${envName}`;

  it('has exactly the documented alarms', () => {
    expect(Object.keys(alarms(envName)).sort()).toEqual(
      [
        'workflow_failed', 'workflow_timed_out', 'mediaconvert_errors', 'ingest_dlq_messages', 'events_dlq_messages',
        'ingest_queue_age', 'api_5xx_rate', 'executions_started_per_hour', 'transcoding_minutes_per_hour', 'delivery_5xx_rate', 'playback_signing_failed',
        'quality_top_rung_ssim', 'quality_top_rung_vmaf', ...HANDLERS.map((h) => `${snake(h)}_errors`),
      ].sort(),
    );
  });

  it('notifies the topic on ALARM and on OK, treats missing data as not breaching, and points to the runbook', () => {
    for (const [key, alarm] of Object.entries(alarms(envName))) {
      // The CloudFront alarm lives in us-east-1: outside it, it notifies the us-east-1 topic.
      const topic = key === 'delivery_5xx_rate' ? DELIVERY_ALARM_TOPIC : TOPIC;
      expect({ key, ...alarm }).toMatchObject({
        key,
        alarm_name: `${prefix}-${key.replace(/_/g, '-')}`,
        alarm_actions: [topic],
        ok_actions: [topic],
        treat_missing_data: 'notBreaching',
        alarm_description: expect.stringMatching(/Runbook: docs\/runbook\.md#[a-z0-9-]+$/),
      });
    }
  });

  it('links every alarm to a section of docs/runbook.md that exists', () => {
    const runbook = readFileSync(resolve(__dirname, '..', '..', 'docs', 'runbook.md'), 'utf8');
    const anchors = new Set([...runbook.matchAll(/<a id="([a-z0-9-]+)"><\/a>/g)].map((m) => m[1]));
    const missing = Object.values(alarms(envName))
      .map((a) => /#([a-z0-9-]+)$/.exec(a.alarm_description)![1])
      .filter((anchor) => !anchors.has(anchor));
    expect(missing).toEqual([]);
  });

  it('is allowed to publish: every alarm ARN matches the topic policy pattern for CloudWatch', () => {
    const stack = app.env(envName);
    const statement = JSON.parse(stack.resource('aws_sns_topic_policy', 'notifications').policy).Statement.find(
      (s: { Sid: string }) => s.Sid === 'CloudWatchAlarmsOfThisStack',
    );
    const pattern: string = statement.Condition.ArnLike['aws:SourceArn'];
    const glob = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.$^{}()|[\]\\+?]/g, '\\$&')).join('.*')}$`);
    const arnPrefix = 'arn:aws:cloudwatch:${var.aws_region}:${data.aws_caller_identity.current.account_id}:alarm:';
    for (const alarm of Object.values(alarms(envName))) expect(`${arnPrefix}${alarm.alarm_name}`).toMatch(glob);
  });

  it('watches failed and timed-out executions of this state machine', () => {
    const all = alarms(envName);
    for (const [key, metric] of [['workflow_failed', 'ExecutionsFailed'], ['workflow_timed_out', 'ExecutionsTimedOut']]) {
      expect(all[key]).toMatchObject({
        namespace: 'AWS/States',
        metric_name: metric,
        dimensions: { StateMachineArn: STATE_MACHINE },
        statistic: 'Sum',
        threshold: 1,
        comparison_operator: 'GreaterThanOrEqualToThreshold',
      });
    }
  });

  it('watches errored MediaConvert jobs on this environment\'s queue (Queue dimension = queue ARN)', () => {
    expect(alarms(envName).mediaconvert_errors).toMatchObject({
      namespace: 'AWS/MediaConvert',
      metric_name: 'JobsErroredCount',
      dimensions: { Queue: MEDIACONVERT_QUEUE_ARN },
      statistic: 'Sum',
      threshold: 1,
    });
    expect(app.env(envName).resource('aws_media_convert_queue', 'transcode').name).toBe(`${prefix}-queue`);
  });

  it.each(HANDLERS)(`%s: Errors alarm on the ${envName} function at the environment threshold`, (handler) => {
    expect(alarms(envName)[`${snake(handler)}_errors`]).toMatchObject({
      namespace: 'AWS/Lambda',
      metric_name: 'Errors',
      dimensions: { FunctionName: `${prefix}-${handler}` },
      statistic: 'Sum',
      period: 300,
      threshold: env.alarms.lambdaErrorsPerFiveMinutes,
      comparison_operator: 'GreaterThanOrEqualToThreshold',
    });
  });

  it('watches both dead-letter queues and the age of the oldest ingest message', () => {
    const all = alarms(envName);
    for (const [key, queue] of [['ingest_dlq_messages', 'ingest_dlq'], ['events_dlq_messages', 'events_dlq']]) {
      expect(all[key]).toMatchObject({
        namespace: 'AWS/SQS',
        metric_name: 'ApproximateNumberOfMessagesVisible',
        dimensions: { QueueName: `\${aws_sqs_queue.${queue}.name}` },
        statistic: 'Maximum',
        threshold: 1,
      });
    }
    expect(all.ingest_queue_age).toMatchObject({
      namespace: 'AWS/SQS',
      metric_name: 'ApproximateAgeOfOldestMessage',
      dimensions: { QueueName: '${aws_sqs_queue.ingest.name}' },
      statistic: 'Maximum',
      threshold: env.alarms.ingestQueueMaxAgeSeconds,
    });
  });

  it('alarms on the API 5xx rate of this API\'s $default stage', () => {
    const alarm = alarms(envName).api_5xx_rate;
    expect(alarm.threshold).toBe(env.alarms.api5xxRatePercent);
    expect(alarm.metric_name).toBeUndefined();
    const byId = Object.fromEntries((alarm.metric_query as Alarm[]).map((q) => [q.id, q]));
    expect(byId.rate).toMatchObject({ expression: 'IF(requests > 0, 100 * errors / requests, 0)', return_data: true });
    expect(byId.errors.metric).toEqual({ namespace: 'AWS/ApiGateway', metric_name: '5xx', dimensions: API, period: 300, stat: 'Sum' });
    expect(byId.requests.metric).toEqual({ namespace: 'AWS/ApiGateway', metric_name: 'Count', dimensions: API, period: 300, stat: 'Sum' });
  });

  it('alarms in us-east-1 on the 5xxErrorRate of this distribution, through the provider alias', () => {
    const alarm = alarms(envName).delivery_5xx_rate;
    expect(alarm).toMatchObject({
      provider: 'aws.us_east_1',
      namespace: 'AWS/CloudFront',
      metric_name: '5xxErrorRate',
      dimensions: { DistributionId: DISTRIBUTION_ID, Region: 'Global' },
      statistic: 'Average',
      threshold: env.alarms.delivery5xxRatePercent,
    });
    const provider = (app.env(envName).json.provider!.aws as Array<Record<string, unknown>>).find((p) => p.alias === 'us_east_1');
    expect(provider).toMatchObject({ region: 'us-east-1' });
    // The us-east-1 topic (and its key, policy and email subscription) exist only outside us-east-1.
    const stack = app.env(envName);
    for (const [type, name] of [['aws_sns_topic', 'delivery_alarms'], ['aws_kms_key', 'delivery_alarms'], ['aws_sns_topic_policy', 'delivery_alarms']] as const) {
      expect(stack.resource(type, name)).toMatchObject({ provider: 'aws.us_east_1', count: '${var.aws_region != "us-east-1" ? 1 : 0}' });
    }
    expect(stack.resource('aws_sns_topic', 'delivery_alarms').kms_master_key_id).toBe('${aws_kms_key.delivery_alarms[0].arn}');
  });

  it('alarms on the first playback signing failure of get-job (log metric filter)', () => {
    const stack = app.env(envName);
    const filter = stack.resource('aws_cloudwatch_log_metric_filter', 'playback_signing_failed');
    expect(filter).toMatchObject({
      log_group_name: '${aws_cloudwatch_log_group.get_job.name}',
      pattern: '{ $.errorName = "PlaybackSigningFailed" }',
      metric_transformation: { namespace: 'VideoWorkflow', name: 'PlaybackSigningFailures', value: '1', dimensions: { service: '$.service' } },
    });
    expect(alarms(envName).playback_signing_failed).toMatchObject({
      namespace: 'VideoWorkflow', metric_name: 'PlaybackSigningFailures', dimensions: { service: `${prefix}-get-job` }, threshold: 1,
    });
  });

  it('alarms when the daily minimum of the top rung\'s SSIM p5 or VMAF mean falls below the default top-rung floor', () => {
    const all = alarms(envName);
    for (const [key, metric, threshold] of [['quality_top_rung_ssim', 'TopRungSsimP5', 0.9], ['quality_top_rung_vmaf', 'TopRungVmafMean', 80]] as const) {
      expect(all[key]).toMatchObject({
        namespace: 'VideoWorkflow', metric_name: metric, dimensions: { service: prefix },
        statistic: 'Minimum', period: 86_400, evaluation_periods: 1, comparison_operator: 'LessThanThreshold', threshold,
      });
    }
  });

  it('uses thresholds that differ per environment (prod strictest)', () => {
    expect(env.alarms.lambdaErrorsPerFiveMinutes).toBeGreaterThanOrEqual(ENVIRONMENTS.prod.alarms.lambdaErrorsPerFiveMinutes);
    expect(env.alarms.api5xxRatePercent).toBeGreaterThanOrEqual(ENVIRONMENTS.prod.alarms.api5xxRatePercent);
  });
});

describe.each(ENVIRONMENT_NAMES)('dashboard (%s)', (envName) => {
  const prefix = `video-workflow-${envName}`;

  it('is named after the environment and draws in the stack region', () => {
    const stack = app.env(envName);
    expect(stack.resource('aws_cloudwatch_dashboard', 'main').dashboard_name).toBe(prefix);
    // CloudFront metrics exist in us-east-1 only.
    for (const w of dashboard(envName).widgets) expect(w.properties.region).toBe(w.properties.metrics[0][0] === 'AWS/CloudFront' ? 'us-east-1' : '${var.aws_region}');
  });

  it('only graphs metrics whose dimensions point at this environment\'s resources', () => {
    const stack = app.env(envName);
    const { lines } = dashboard(envName);
    expect(lines.length).toBeGreaterThan(40);
    const problems = lines.flatMap((l) =>
      Object.entries(l.dimensions).flatMap(([k, v]) => foreignReferences(stack, envName, v).map((p) => `${l.widget} ${l.metric} ${k}: ${p}`)),
    );
    expect(problems).toEqual([]);
  });

  it('has the workflow widgets: started/succeeded/failed/timed out and execution time p50/p90', () => {
    const { lines } = dashboard(envName);
    const states = lines.filter((l) => l.namespace === 'AWS/States');
    for (const l of states) expect(l.dimensions).toEqual({ StateMachineArn: STATE_MACHINE });
    expect(states.map((l) => `${l.metric}:${l.stat}`)).toEqual(
      expect.arrayContaining(['ExecutionsStarted:Sum', 'ExecutionsSucceeded:Sum', 'ExecutionsFailed:Sum', 'ExecutionsTimedOut:Sum', 'ExecutionTime:p50', 'ExecutionTime:p90']),
    );
  });

  it('graphs the handlers\' EMF workflow outcomes for this environment (service = stack name)', () => {
    const emf = dashboard(envName).lines.filter((l) => l.namespace === 'VideoWorkflow');
    expect(emf.map((l) => l.metric).sort()).toEqual(['ProbeBytesRead', 'QualityChecksFailed', 'SourceMinutesProcessed', 'TopRungSsimP5', 'TopRungVmafMean', 'VideosCompleted', 'VideosFailed']);
    for (const l of emf) expect(l.dimensions).toEqual({ service: `video-workflow-${envName}` });
  });

  it('graphs the top rung\'s SSIM p5 and VMAF mean (lowest per hour) with the alarm floors drawn in', () => {
    const { widgets, lines } = dashboard(envName);
    const quality = lines.filter((l) => l.metric.startsWith('TopRung'));
    expect(quality.map((l) => [l.metric, l.stat])).toEqual([['TopRungSsimP5', 'Minimum'], ['TopRungVmafMean', 'Minimum']]);
    const floors = widgets.filter((w) => w.properties.title.startsWith('Top rung')).map((w) => (w.properties as { annotations?: unknown }).annotations);
    expect(floors).toEqual([{ horizontal: [{ label: 'alarm floor', value: 0.9 }] }, { horizontal: [{ label: 'alarm floor', value: 80 }] }]);
  });

  it('has MediaConvert completed/errored/transcoding time for this queue', () => {
    const mc = dashboard(envName).lines.filter((l) => l.namespace === 'AWS/MediaConvert');
    expect(mc.map((l) => l.metric).sort()).toEqual(['JobsCompletedCount', 'JobsErroredCount', 'TranscodingTime']);
    for (const l of mc) expect(l.dimensions).toEqual({ Queue: MEDIACONVERT_QUEUE_ARN });
  });

  it('has Lambda invocations, errors, throttles and duration p90 for every function', () => {
    const lambda = dashboard(envName).lines.filter((l) => l.namespace === 'AWS/Lambda');
    for (const handler of HANDLERS) {
      const mine = lambda.filter((l) => l.dimensions.FunctionName === `${prefix}-${handler}`);
      expect(mine.map((l) => `${l.metric}:${l.stat}`).sort()).toEqual(['Duration:p90', 'Errors:Sum', 'Invocations:Sum', 'Throttles:Sum']);
    }
  });

  it('has ingest depth and age and the depth of both dead-letter queues', () => {
    const sqs = dashboard(envName).lines.filter((l) => l.namespace === 'AWS/SQS');
    expect(sqs.map((l) => `${l.metric}:${l.dimensions.QueueName}`).sort()).toEqual(
      [
        'ApproximateAgeOfOldestMessage:${aws_sqs_queue.ingest.name}',
        'ApproximateNumberOfMessagesVisible:${aws_sqs_queue.events_dlq.name}',
        'ApproximateNumberOfMessagesVisible:${aws_sqs_queue.ingest.name}',
        'ApproximateNumberOfMessagesVisible:${aws_sqs_queue.ingest_dlq.name}',
      ].sort(),
    );
    for (const l of sqs) expect(l.stat).toBe('Maximum');
  });

  it('has API requests, 4xx, 5xx and latency p90 for this API stage, and the table throttles', () => {
    const { lines } = dashboard(envName);
    const api = lines.filter((l) => l.namespace === 'AWS/ApiGateway');
    expect(api.map((l) => `${l.metric}:${l.stat}`).sort()).toEqual(['4xx:Sum', '5xx:Sum', 'Count:Sum', 'Latency:p90']);
    for (const l of api) expect(l.dimensions).toEqual(API);
    const ddb = lines.filter((l) => l.namespace === 'AWS/DynamoDB');
    expect(ddb.map((l) => l.metric).sort()).toEqual(['ReadThrottleEvents', 'ReadThrottleEvents', 'WriteThrottleEvents', 'WriteThrottleEvents']);
    for (const l of ddb) expect(l.dimensions.TableName).toBe('${aws_dynamodb_table.jobs.name}');
    expect(ddb.filter((l) => l.dimensions.GlobalSecondaryIndexName === STATUS_INDEX)).toHaveLength(2);
  });

  it('has the playback row: requests, bytes downloaded, 4xx/5xx rate of this distribution (cache hit rate with additional metrics)', () => {
    const cf = dashboard(envName).lines.filter((l) => l.namespace === 'AWS/CloudFront');
    const expected = ['Requests', 'BytesDownloaded', '4xxErrorRate', '5xxErrorRate', ...(ENVIRONMENTS[envName].enableDeliveryAdditionalMetrics ? ['CacheHitRate'] : [])];
    expect(cf.map((l) => l.metric)).toEqual(expected);
    for (const l of cf) expect(l.dimensions).toEqual({ DistributionId: DISTRIBUTION_ID, Region: 'Global' });
    expect(Object.keys(app.env(envName).resources('aws_cloudfront_monitoring_subscription'))).toEqual(ENVIRONMENTS[envName].enableDeliveryAdditionalMetrics ? ['delivery'] : []);
  });

  it('is linked from the dashboard_url output', () => {
    expect(app.env(envName).json.output?.dashboard_url.value).toBe(
      `https://\${var.aws_region}.console.aws.amazon.com/cloudwatch/home?region=\${var.aws_region}#dashboards/dashboard/${prefix}`,
    );
  });
});

describe.each(ENVIRONMENT_NAMES)('tracing and logging (%s)', (envName) => {
  const env = ENVIRONMENTS[envName];

  it(`logs the workflow at ${env.stateMachineLogLevel}${env.includeExecutionDataInLogs ? ' with' : ' without'} execution data, traced with X-Ray`, () => {
    const machine = app.env(envName).resource('aws_sfn_state_machine', 'workflow');
    expect(machine.logging_configuration).toMatchObject({ level: env.stateMachineLogLevel, include_execution_data: env.includeExecutionDataInLogs });
    expect(machine.tracing_configuration).toEqual({ enabled: true });
    expect(env.stateMachineLogLevel).toBe(envName === 'dev' ? 'ALL' : 'ERROR');
  });

  it('grants X-Ray writes to every traced principal (tracing without them drops every segment)', () => {
    const policies = app.env(envName).resources('aws_iam_role_policy');
    for (const key of [...HANDLERS.map((h) => `${snake(h)}_function`), 'workflow']) {
      const actions = JSON.parse(policies[key].policy).Statement.flatMap((s: { Action: string | string[] }) => s.Action);
      expect({ key, actions }).toEqual({ key, actions: expect.arrayContaining(['xray:PutTraceSegments', 'xray:PutTelemetryRecords']) });
    }
  });

  it('gives every log group of the stack the retention variable', () => {
    const groups = app.env(envName).resources('aws_cloudwatch_log_group');
    expect(Object.keys(groups).length).toBe(HANDLERS.length + 2);
    for (const group of Object.values(groups)) expect(group.retention_in_days).toBe('${var.log_retention_days}');
  });
});
