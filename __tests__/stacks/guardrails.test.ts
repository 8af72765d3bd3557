/**
 * Issue 14 in the synthesized JSON: spend limits as variables wired to the resources that
 * enforce them, the MediaConvert budget and its delivery to the topic, the hourly spend alarms,
 * the pinned transcode input's storage and permissions, and the ingest queue's sender lock.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderWorkflowDefinition, taskResources } from '../../asl/definition';
import { ENVIRONMENTS, ENVIRONMENT_NAMES } from '../../stacks/config';
import { synthApp, type SynthResult } from '../helpers/synth';
import { TEST_SUBSTITUTIONS } from '../helpers/asl-harness';

let app: SynthResult;
beforeAll(() => {
  app = synthApp();
});

const policyOf = (resource: Record<string, any>) => JSON.parse(resource.policy as string) as { Statement: Record<string, any>[] };

describe.each(ENVIRONMENT_NAMES)('spend guardrails (%s)', (env) => {
  it('caps the MediaConvert queue with mediaconvert_concurrent_jobs, defaulting per environment', () => {
    const stack = app.env(env);
    expect(stack.resource('aws_media_convert_queue', 'transcode')).toMatchObject({ concurrent_jobs: '${var.mediaconvert_concurrent_jobs}', pricing_plan: 'ON_DEMAND' });
    expect(stack.json.variable?.mediaconvert_concurrent_jobs?.default).toBe(ENVIRONMENTS[env].spend.mediaConvertConcurrentJobs);
  });

  it('passes max_source_duration_seconds to plan-transcode, with a default below the Transcode timeout', () => {
    const stack = app.env(env);
    const plan = stack.resource('aws_lambda_function', 'plan_transcode');
    expect(plan.environment.variables).toMatchObject({ MAX_DURATION_SECONDS: '${var.max_source_duration_seconds}', PINNED_SOURCE_BUCKET: '${aws_s3_bucket.archive.bucket}' });
    const { maxSourceDurationSeconds } = ENVIRONMENTS[env].spend;
    expect(maxSourceDurationSeconds).toBeLessThan(ENVIRONMENTS[env].transcodeTimeoutSeconds);
    const [validation] = stack.json.variable!.max_source_duration_seconds.validation;
    expect(validation.condition).toBe(`\${var.max_source_duration_seconds >= 1 && var.max_source_duration_seconds < ${ENVIRONMENTS[env].transcodeTimeoutSeconds}}`);
    expect(validation.error_message).toContain(`transcode_timeout_seconds = ${ENVIRONMENTS[env].transcodeTimeoutSeconds}`);
  });

  it('budgets this environment\'s MediaConvert cost monthly, alerting the topic on actual 80 % and forecast 100 %', () => {
    const budget = app.env(env).resource('aws_budgets_budget', 'mediaconvert');
    expect(budget).toMatchObject({
      name: `video-workflow-${env}-mediaconvert`,
      budget_type: 'COST',
      time_unit: 'MONTHLY',
      limit_unit: 'USD',
      limit_amount: '${format("%.2f", var.mediaconvert_monthly_budget_usd)}',
      cost_filter: [
        { name: 'Service', values: ['AWS Elemental MediaConvert'] },
        { name: 'TagKeyValue', values: [`user:Environment$${env}`] },
      ],
    });
    expect(budget.notification).toEqual([
      expect.objectContaining({ notification_type: 'ACTUAL', threshold: 80, threshold_type: 'PERCENTAGE', comparison_operator: 'GREATER_THAN', subscriber_sns_topic_arns: ['${aws_sns_topic.notifications.arn}'] }),
      expect.objectContaining({ notification_type: 'FORECASTED', threshold: 100, threshold_type: 'PERCENTAGE', comparison_operator: 'GREATER_THAN', subscriber_sns_topic_arns: ['${aws_sns_topic.notifications.arn}'] }),
    ]);
  });

  it('lets budgets.amazonaws.com publish to the topic and use its key only for this stack\'s budgets', () => {
    const stack = app.env(env);
    const budgets = `arn:aws:budgets::\${data.aws_caller_identity.current.account_id}:budget/video-workflow-${env}-*`;
    const topic = policyOf(stack.resource('aws_sns_topic_policy', 'notifications')).Statement.find((s) => s.Sid === 'BudgetsOfThisStack');
    expect(topic).toMatchObject({
      Effect: 'Allow', Principal: { Service: 'budgets.amazonaws.com' }, Action: 'sns:Publish',
      Condition: { ArnLike: { 'aws:SourceArn': budgets }, StringEquals: { 'aws:SourceAccount': '${data.aws_caller_identity.current.account_id}' } },
    });
    const keyName = ENVIRONMENTS[env].enableCustomerManagedKey ? 'data' : 'topic';
    const key = policyOf(stack.resource('aws_kms_key', keyName)).Statement.find((s) => s.Sid === 'BudgetsOfThisStackNotify');
    expect(key).toMatchObject({
      Principal: { Service: 'budgets.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Condition: { ArnLike: { 'aws:SourceArn': budgets }, StringEquals: { 'aws:SourceAccount': '${data.aws_caller_identity.current.account_id}' } },
    });
  });

  it('alarms on executions started and MediaConvert transcoding minutes per hour (documented metric names)', () => {
    const alarms = app.env(env).resources('aws_cloudwatch_metric_alarm');
    expect(alarms.executions_started_per_hour).toMatchObject({
      namespace: 'AWS/States', metric_name: 'ExecutionsStarted', statistic: 'Sum', period: 3600,
      dimensions: { StateMachineArn: '${aws_sfn_state_machine.workflow.arn}' },
      threshold: '${var.max_executions_started_per_hour}', comparison_operator: 'GreaterThanThreshold',
    });
    const minutes = alarms.transcoding_minutes_per_hour;
    expect(minutes).toMatchObject({ threshold: '${var.max_transcoding_minutes_per_hour}', comparison_operator: 'GreaterThanThreshold' });
    expect(minutes.metric_query).toEqual([
      expect.objectContaining({ id: 'minutes', expression: 'transcodingMs / 60000', return_data: true }),
      expect.objectContaining({
        id: 'transcodingMs',
        metric: expect.objectContaining({ namespace: 'AWS/MediaConvert', metric_name: 'TranscodingTime', period: 3600, stat: 'Sum', dimensions: { Queue: '${aws_media_convert_queue.transcode.arn}' } }),
      }),
    ]);
  });

  it('expires the job-scoped pinned copies (archive work/) two days after the job, and bills MediaConvert by queue tags', () => {
    const lifecycle = app.env(env).resource('aws_s3_bucket_lifecycle_configuration', 'archive');
    expect(lifecycle.rule).toContainEqual(
      expect.objectContaining({ id: 'expire-pinned-sources', status: 'Enabled', filter: [{ prefix: 'work/' }], expiration: [{ days: 2 }], noncurrent_version_expiration: [{ noncurrent_days: 1 }] }),
    );
    const definition = JSON.parse(app.env(env).resource('aws_sfn_state_machine', 'workflow').definition as string);
    expect(definition.States.Transcode.Parameters.BillingTagsSource).toBe('QUEUE');
    expect(definition.States.PlanTranscode.Next).toBe('PinSource');
    expect(definition.States.PinSource.Next).toBe('Transcode');
  });

  it('lets only the upload rule send to the ingest queue and its DLQ (explicit Deny for every other sender), TLS on every action', () => {
    const stack = app.env(env);
    for (const name of ['ingest', 'ingest_dlq']) {
      const statements = policyOf(stack.resource('aws_sqs_queue_policy', name)).Statement;
      expect(statements.find((s) => s.Sid === 'DenyEveryOtherSender')).toEqual({
        Sid: 'DenyEveryOtherSender', Effect: 'Deny', Principal: '*', Action: 'sqs:SendMessage', Resource: `\${aws_sqs_queue.${name}.arn}`,
        Condition: { ArnNotEquals: { 'aws:SourceArn': '${aws_cloudwatch_event_rule.source_object_created.arn}' } },
      });
      expect(statements.find((s) => s.Sid === 'DenyInsecureTransport')).toMatchObject({ Effect: 'Deny', Action: 'sqs:*' });
    }
    expect(policyOf(stack.resource('aws_sqs_queue_policy', 'events_dlq')).Statement.find((s) => s.Sid === 'DenyInsecureTransport')).toMatchObject({ Action: 'sqs:*' });
    expect(policyOf(stack.resource('aws_sns_topic_policy', 'notifications')).Statement.find((s) => s.Sid === 'DenyInsecureTransport')).toMatchObject({ Action: 'sns:*' });
  });

  it('makes prod buckets refuse writes under any encryption but the data key (the default applies when none is named)', () => {
    for (const bucket of ['source', 'output', 'archive']) {
      const statements = policyOf(app.env(env).resource('aws_s3_bucket_policy', bucket)).Statement;
      const sids = statements.map((s) => s.Sid);
      if (ENVIRONMENTS[env].enableCustomerManagedKey) {
        expect(sids).toEqual(['DenyInsecureTransport', 'DenyOtherEncryption', 'DenyOtherKmsKeys']);
        expect(statements[2]).toMatchObject({
          Effect: 'Deny', Action: 's3:PutObject',
          Condition: { Null: { 's3:x-amz-server-side-encryption-aws-kms-key-id': 'false' }, StringNotEquals: { 's3:x-amz-server-side-encryption-aws-kms-key-id': '${aws_kms_key.data.arn}' } },
        });
      } else {
        expect(sids).toEqual(['DenyInsecureTransport']);
      }
    }
  });
});

describe('GetJob/CancelJob on jobs/* (IAM has no queue condition for them)', () => {
  it('are reachable only through createJob.sync: no Task calls them with a job id of its own', () => {
    const definition = renderWorkflowDefinition(TEST_SUBSTITUTIONS);
    const mediaConvert = taskResources(definition).filter((t) => t.resource.includes('mediaconvert'));
    expect(mediaConvert).toEqual([{ state: 'Transcode', resource: 'arn:aws:states:::mediaconvert:createJob.sync' }]);
    const workflow = readFileSync(join(__dirname, '..', '..', 'stacks', 'workflow.ts'), 'utf8');
    expect(workflow).toContain('list_awselementalmediaconvert.html');
  });
});
