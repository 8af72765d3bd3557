/**
 * The access matrix: what each role of one environment must be able to do (the calls its
 * code makes; see handlers/<name>/ and handlers/shared/) and what it must not. Resources are
 * written as Terraform interpolations and resolved from the synthesized JSON, so the matrix
 * follows renames and never hard-codes a physical name.
 */
import { environmentConfig, type EnvironmentName } from '../../stacks/config';
import { STATE_STACK, workflowStackName } from '../helpers/synth';
import { ACCOUNT, OTHER_ACCOUNT, REGION } from './policies';
import { API_ROLES, type ApiRole } from './api-roles';
import type { Principal, SimulationCase } from './simulate';

/** Another environment of the same account, for the isolation cases. */
export const OTHER_ENV: Readonly<Record<EnvironmentName, EnvironmentName>> = { dev: 'prod', staging: 'prod', prod: 'dev' };

const role = (name: string): Principal => ({ role: `${name}_function` });
const service = (name: string): Principal => ({ service: name });

const SOURCE = '${aws_s3_bucket.source.arn}';
const OUTPUT = '${aws_s3_bucket.output.arn}';
const ARCHIVE = '${aws_s3_bucket.archive.arn}';
const TABLE = '${aws_dynamodb_table.jobs.arn}';
const TOPIC = '${aws_sns_topic.notifications.arn}';
const UPLOADS = '${aws_dynamodb_table.uploads.arn}';
const LIMITS = '${aws_dynamodb_table.limits.arn}';
const MACHINE = '${aws_sfn_state_machine.workflow.arn}';
const JOB = '0123456789abcdef0123456789abcdef';
const UPLOAD = `${SOURCE}/uploads/clip.mp4`;
/** The job-scoped pinned transcode input (handlers/shared/pinned-source.ts). */
const PINNED = `${ARCHIVE}/work/0123456789abcdef0123456789abcdef/source.mp4`;
const machineArn = (env: EnvironmentName) => `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:video-workflow-${env}-workflow`;
const INSECURE = { 'aws:SecureTransport': 'false' };

/** The cases for one environment (pure data: resolved against the synthesized stacks by Simulator). */
export function simulationCases(env: EnvironmentName): SimulationCase[] {
  const other = workflowStackName(OTHER_ENV[env]);
  // The topic's key: the data key in prod, a topic-only key elsewhere; read from the topic itself.
  const topicKey = '${aws_sns_topic.notifications.kms_master_key_id}';
  const dataKey = environmentConfig(env).enableCustomerManagedKey ? '${aws_kms_key.data.arn}' : undefined;

  const allow = (title: string, principal: Principal, action: string, resource: string, context?: Record<string, string>): SimulationCase => ({
    title, principal, action, resource, context, expect: 'Allowed',
  });
  const deny = (title: string, principal: Principal, action: string, resource: string, extra: Partial<SimulationCase> = {}): SimulationCase => ({
    title, principal, action, resource, expect: 'ImplicitlyDenied', ...extra,
  });
  const denyTls = (title: string, principal: Principal, action: string, resource: string, resourceStack?: SimulationCase['resourceStack']): SimulationCase => ({
    title, principal, action, resource, resourceStack, context: INSECURE, expect: 'ExplicitlyDenied',
  });

  const cases: SimulationCase[] = [
    // ---- must allow: each function's own calls ----
    allow('extract-metadata reads source objects (ranged GetObject)', role('extract_metadata'), 's3:GetObject', UPLOAD),
    allow('extract-metadata reads a pinned source version', role('extract_metadata'), 's3:GetObjectVersion', UPLOAD),
    allow('extract-metadata lists the source bucket (404 instead of 403)', role('extract_metadata'), 's3:ListBucket', SOURCE),
    allow('extract-metadata writes its own log stream', role('extract_metadata'), 'logs:PutLogEvents', '${aws_cloudwatch_log_group.extract_metadata.arn}:log-stream:2026/01/01/abc'),
    allow('start-workflow starts this environment\'s state machine', role('start_workflow'), 'states:StartExecution', MACHINE),
    allow('start-workflow receives from the ingest queue', role('start_workflow'), 'sqs:ReceiveMessage', '${aws_sqs_queue.ingest.arn}'),
    allow('start-workflow deletes processed ingest messages', role('start_workflow'), 'sqs:DeleteMessage', '${aws_sqs_queue.ingest.arn}'),
    allow('start-workflow writes the job record (conditional PutItem)', role('start_workflow'), 'dynamodb:PutItem', TABLE),
    allow('start-workflow heads the source object', role('start_workflow'), 's3:GetObject', UPLOAD),
    allow('create-job starts this environment\'s state machine', role('create_job'), 'states:StartExecution', MACHINE),
    allow('create-job reads an existing job (GetItem)', role('create_job'), 'dynamodb:GetItem', TABLE),
    allow('get-job reads a job record', role('get_job'), 'dynamodb:GetItem', TABLE),
    allow('list-jobs queries the status index', role('list_jobs'), 'dynamodb:Query', `${TABLE}/index/status-createdAt`),
    allow('list-jobs queries the owner index', role('list_jobs'), 'dynamodb:Query', `${TABLE}/index/owner-createdAt`),
    allow('create-upload writes upload reservations', role('create_upload'), 'dynamodb:PutItem', UPLOADS),
    allow('create-job counts the owner\'s daily jobs (quota counter)', role('create_job'), 'dynamodb:UpdateItem', LIMITS),
    allow('start-workflow consumes upload reservations', role('start_workflow'), 'dynamodb:UpdateItem', UPLOADS),
    allow('start-workflow reads the run lock of an object version', role('start_workflow'), 'dynamodb:GetItem', LIMITS),
    allow('start-workflow tags a rejected upload version for lifecycle removal', role('start_workflow'), 's3:PutObjectVersionTagging', UPLOAD),
    allow('create-upload signs PutObject under uploads/', role('create_upload'), 's3:PutObject', UPLOAD),
    allow('plan-transcode writes its own log stream', role('plan_transcode'), 'logs:CreateLogStream', '${aws_cloudwatch_log_group.plan_transcode.arn}:log-stream:2026/01/01/abc'),
    allow('quality-control reads outputs', role('quality_control'), 's3:GetObject', `${OUTPUT}/${JOB}/mp4/clip_1080p.mp4`),
    allow('quality-control lists the output bucket', role('quality_control'), 's3:ListBucket', OUTPUT),
    allow('publish marks the job COMPLETED (UpdateItem)', role('publish'), 'dynamodb:UpdateItem', TABLE),
    allow('publish sends the success notification', role('publish'), 'sns:Publish', TOPIC),
    allow('publish encrypts the notification with the topic key', role('publish'), 'kms:GenerateDataKey', topicKey),
    allow('archive-source reads the pinned source version', role('archive_source'), 's3:GetObjectVersion', UPLOAD),
    allow('archive-source reads the source tags', role('archive_source'), 's3:GetObjectTagging', UPLOAD),
    allow('archive-source writes the archive copy', role('archive_source'), 's3:PutObject', `${ARCHIVE}/uploads/clip.mp4`),
    allow('archive-source lists the archive bucket (404 instead of 403)', role('archive_source'), 's3:ListBucket', ARCHIVE),
    allow('record-failure marks the job FAILED', role('record_failure'), 'dynamodb:UpdateItem', TABLE),
    allow('job-progress records progress', role('job_progress'), 'dynamodb:UpdateItem', TABLE),
    allow('job-progress dead-letters failed events', role('job_progress'), 'sqs:SendMessage', '${aws_sqs_queue.events_dlq.arn}'),
    // ---- must allow: the state machine and MediaConvert roles ----
    allow('workflow invokes extract-metadata', { role: 'workflow' }, 'lambda:InvokeFunction', '${aws_lambda_function.extract_metadata.arn}'),
    allow('workflow creates MediaConvert jobs on its queue', { role: 'workflow' }, 'mediaconvert:CreateJob', '${aws_media_convert_queue.transcode.arn}'),
    allow('workflow tags its jobs ManagedByService=AWSStepFunctions (Step Functions does)', { role: 'workflow' }, 'mediaconvert:TagResource', `arn:aws:mediaconvert:${REGION}:${ACCOUNT}:jobs/1700000000000-abcdef`, {
      'aws:TagKeys': 'ManagedByService', 'aws:RequestTag/ManagedByService': 'AWSStepFunctions',
    }),
    deny('workflow cannot put any other tag on a MediaConvert resource', { role: 'workflow' }, 'mediaconvert:TagResource', '${aws_media_convert_queue.transcode.arn}', {
      context: { 'aws:TagKeys': 'Owner', 'aws:RequestTag/Owner': 'someone' },
    }),
    deny('workflow cannot set ManagedByService to another value', { role: 'workflow' }, 'mediaconvert:TagResource', `arn:aws:mediaconvert:${REGION}:${ACCOUNT}:jobs/1700000000000-abcdef`, {
      context: { 'aws:TagKeys': 'ManagedByService', 'aws:RequestTag/ManagedByService': 'me' },
    }),
    allow('workflow follows its MediaConvert jobs (GetJob)', { role: 'workflow' }, 'mediaconvert:GetJob', `arn:aws:mediaconvert:${REGION}:${ACCOUNT}:jobs/1700000000000-abcdef`),
    allow('workflow passes the MediaConvert role to MediaConvert', { role: 'workflow' }, 'iam:PassRole', '${aws_iam_role.mediaconvert.arn}', { 'iam:PassedToService': 'mediaconvert.amazonaws.com' }),
    allow('workflow records the start (dynamodb:updateItem task)', { role: 'workflow' }, 'dynamodb:UpdateItem', TABLE),
    allow('workflow sends the failure notification', { role: 'workflow' }, 'sns:Publish', TOPIC),
    allow('workflow manages the .sync events rule', { role: 'workflow' }, 'events:PutRule', `arn:aws:events:${REGION}:${ACCOUNT}:rule/StepFunctionsGetEventsForMediaConvertJobRule`),
    allow('MediaConvert role reads the pinned copy of the probed source', { role: 'mediaconvert' }, 's3:GetObject', PINNED),
    allow('pin-source reads the probed source version', role('pin_source'), 's3:GetObjectVersion', UPLOAD),
    allow('pin-source writes the job-scoped pinned copy', role('pin_source'), 's3:PutObject', PINNED),
    allow('quality-control heads the pinned transcode input', role('quality_control'), 's3:GetObject', PINNED),
    allow('job-progress confirms an execution status with DescribeExecution', role('job_progress'), 'states:DescribeExecution', `arn:aws:states:${REGION}:${ACCOUNT}:execution:video-workflow-${env}-workflow:${JOB}`),
    allow('MediaConvert role writes outputs', { role: 'mediaconvert' }, 's3:PutObject', `${OUTPUT}/${JOB}/hls/master.m3u8`),
    // ---- trust and service deliveries ----
    allow('Lambda assumes a function role', service('lambda.amazonaws.com'), 'sts:AssumeRole', '${aws_iam_role.extract_metadata_function.arn}'),
    allow('Step Functions of this account assumes the workflow role', service('states.amazonaws.com'), 'sts:AssumeRole', '${aws_iam_role.workflow.arn}', { 'aws:SourceAccount': ACCOUNT, 'aws:SourceArn': machineArn(env) }),
    allow('MediaConvert of this account assumes its role', service('mediaconvert.amazonaws.com'), 'sts:AssumeRole', '${aws_iam_role.mediaconvert.arn}', { 'aws:SourceAccount': ACCOUNT }),
    allow('MediaConvert assumes its role when it sends no aws:SourceAccount (StringEqualsIfExists)', service('mediaconvert.amazonaws.com'), 'sts:AssumeRole', '${aws_iam_role.mediaconvert.arn}', {}),
    allow('the upload rule delivers to the ingest queue', service('events.amazonaws.com'), 'sqs:SendMessage', '${aws_sqs_queue.ingest.arn}', { 'aws:SourceArn': '${aws_cloudwatch_event_rule.source_object_created.arn}' }),
    allow('a budget of this stack publishes to the topic', service('budgets.amazonaws.com'), 'sns:Publish', TOPIC, {
      'aws:SourceArn': `arn:aws:budgets::${ACCOUNT}:budget/video-workflow-${env}-mediaconvert`, 'aws:SourceAccount': ACCOUNT,
    }),
    allow('an alarm of this stack publishes to the topic', service('cloudwatch.amazonaws.com'), 'sns:Publish', TOPIC, {
      'aws:SourceArn': '${aws_cloudwatch_metric_alarm.workflow_failed.arn}', 'aws:SourceAccount': ACCOUNT,
    }),

    // ---- must deny: least privilege within the environment ----
    deny('extract-metadata cannot write the source bucket', role('extract_metadata'), 's3:PutObject', UPLOAD),
    deny('extract-metadata cannot write the output bucket', role('extract_metadata'), 's3:PutObject', `${OUTPUT}/${JOB}/x.mp4`),
    deny('extract-metadata cannot write the archive bucket', role('extract_metadata'), 's3:PutObject', `${ARCHIVE}/x.mp4`),
    deny('extract-metadata cannot delete source objects', role('extract_metadata'), 's3:DeleteObject', UPLOAD),
    deny('plan-transcode cannot read the source', role('plan_transcode'), 's3:GetObject', UPLOAD),
    deny('publish cannot read the source bucket', role('publish'), 's3:GetObject', UPLOAD),
    deny('create-upload cannot write outside uploads/', role('create_upload'), 's3:PutObject', `${SOURCE}/private/clip.mp4`),
    deny('create-upload cannot write at the bucket root', role('create_upload'), 's3:PutObject', `${SOURCE}/clip.mp4`),
    deny('create-upload cannot read uploads', role('create_upload'), 's3:GetObject', UPLOAD),
    deny('start-workflow cannot tag objects outside uploads/', role('start_workflow'), 's3:PutObjectVersionTagging', `${SOURCE}/seed/clip.mp4`),
    deny('get-job cannot update a job', role('get_job'), 'dynamodb:UpdateItem', TABLE),
    deny('get-job cannot scan the table', role('get_job'), 'dynamodb:Scan', TABLE),
    deny('list-jobs cannot query the base table', role('list_jobs'), 'dynamodb:Query', TABLE),
    deny('list-jobs cannot scan the table', role('list_jobs'), 'dynamodb:Scan', TABLE),
    deny('create-upload cannot reset a quota counter', role('create_upload'), 'dynamodb:UpdateItem', LIMITS),
    deny('create-upload cannot consume or rewrite a reservation', role('create_upload'), 'dynamodb:UpdateItem', UPLOADS),
    deny('get-job cannot touch the quota counters', role('get_job'), 'dynamodb:UpdateItem', LIMITS),
    deny('list-jobs cannot read upload reservations', role('list_jobs'), 'dynamodb:GetItem', UPLOADS),
    deny('record-failure cannot publish notifications', role('record_failure'), 'sns:Publish', TOPIC),
    deny('job-progress cannot send to the ingest queue', role('job_progress'), 'sqs:SendMessage', '${aws_sqs_queue.ingest.arn}', { expect: 'ExplicitlyDenied' }),
    deny('start-workflow cannot send to its own ingest queue', role('start_workflow'), 'sqs:SendMessage', '${aws_sqs_queue.ingest.arn}', { expect: 'ExplicitlyDenied' }),
    // Forged Object Created messages: the queue policy's explicit Deny beats any identity Allow.
    deny('an administrator of this account cannot post to the ingest queue', { admin: 'this-account' }, 'sqs:SendMessage', '${aws_sqs_queue.ingest.arn}', { expect: 'ExplicitlyDenied' }),
    deny('an administrator of this account cannot post to the ingest DLQ', { admin: 'this-account' }, 'sqs:SendMessage', '${aws_sqs_queue.ingest_dlq.arn}', { expect: 'ExplicitlyDenied' }),
    deny('MediaConvert role cannot read the live source key (only the pinned copy)', { role: 'mediaconvert' }, 's3:GetObject', UPLOAD),
    deny('pin-source cannot write the archive outside work/', role('pin_source'), 's3:PutObject', `${ARCHIVE}/uploads/clip.mp4`),
    deny('Step Functions running another state machine cannot assume the workflow role', service('states.amazonaws.com'), 'sts:AssumeRole', '${aws_iam_role.workflow.arn}', {
      context: { 'aws:SourceAccount': ACCOUNT, 'aws:SourceArn': machineArn(OTHER_ENV[env]) },
    }),
    deny('a budget of another account cannot publish to the topic', service('budgets.amazonaws.com'), 'sns:Publish', TOPIC, {
      context: { 'aws:SourceArn': `arn:aws:budgets::${OTHER_ACCOUNT}:budget/video-workflow-${env}-mediaconvert`, 'aws:SourceAccount': OTHER_ACCOUNT },
    }),
    deny('start-workflow cannot stop executions', role('start_workflow'), 'states:StopExecution', `arn:aws:states:${REGION}:${ACCOUNT}:execution:\${aws_sfn_state_machine.workflow.name}:${JOB}`),
    deny('quality-control cannot write outputs', role('quality_control'), 's3:PutObject', `${OUTPUT}/${JOB}/x.mp4`),
    deny('workflow cannot pass the MediaConvert role to Lambda', { role: 'workflow' }, 'iam:PassRole', '${aws_iam_role.mediaconvert.arn}', { context: { 'iam:PassedToService': 'lambda.amazonaws.com' } }),
    deny('workflow cannot pass a function role to MediaConvert', { role: 'workflow' }, 'iam:PassRole', '${aws_iam_role.publish_function.arn}', { context: { 'iam:PassedToService': 'mediaconvert.amazonaws.com' } }),
    deny('workflow cannot invoke the API functions', { role: 'workflow' }, 'lambda:InvokeFunction', '${aws_lambda_function.create_job.arn}'),
    deny('MediaConvert role cannot write the source bucket', { role: 'mediaconvert' }, 's3:PutObject', UPLOAD),
    deny('Step Functions cannot assume a function role', service('states.amazonaws.com'), 'sts:AssumeRole', '${aws_iam_role.extract_metadata_function.arn}', { context: { 'aws:SourceAccount': ACCOUNT } }),
    // ---- must deny: confused deputy ----
    deny('Step Functions acting for another account cannot assume the workflow role', service('states.amazonaws.com'), 'sts:AssumeRole', '${aws_iam_role.workflow.arn}', { context: { 'aws:SourceAccount': OTHER_ACCOUNT } }),
    deny('MediaConvert acting for another account cannot assume the MediaConvert role', service('mediaconvert.amazonaws.com'), 'sts:AssumeRole', '${aws_iam_role.mediaconvert.arn}', { context: { 'aws:SourceAccount': OTHER_ACCOUNT } }),
    deny('another rule cannot deliver to the ingest queue', service('events.amazonaws.com'), 'sqs:SendMessage', '${aws_sqs_queue.ingest.arn}', { context: { 'aws:SourceArn': '${aws_cloudwatch_event_rule.mediaconvert_state.arn}' }, expect: 'ExplicitlyDenied' }),
    deny('an alarm of another account cannot publish to the topic', service('cloudwatch.amazonaws.com'), 'sns:Publish', TOPIC, {
      context: { 'aws:SourceArn': `arn:aws:cloudwatch:${REGION}:${OTHER_ACCOUNT}:alarm:video-workflow-${env}-workflow-failed`, 'aws:SourceAccount': OTHER_ACCOUNT },
    }),
    deny('another account\'s administrator cannot read the source bucket', { admin: 'other-account' }, 's3:GetObject', UPLOAD),
    deny('another account\'s administrator cannot publish to the topic', { admin: 'other-account' }, 'sns:Publish', TOPIC),

    // ---- must deny: environment isolation ----
    deny(`start-workflow cannot start ${OTHER_ENV[env]}'s state machine`, role('start_workflow'), 'states:StartExecution', MACHINE, { resourceStack: other }),
    deny(`create-job cannot start ${OTHER_ENV[env]}'s state machine`, role('create_job'), 'states:StartExecution', MACHINE, { resourceStack: other }),
    deny(`extract-metadata cannot read ${OTHER_ENV[env]}'s source bucket`, role('extract_metadata'), 's3:GetObject', UPLOAD, { resourceStack: other }),
    deny(`create-job cannot write ${OTHER_ENV[env]}'s table`, role('create_job'), 'dynamodb:PutItem', TABLE, { resourceStack: other }),
    deny(`get-job cannot read ${OTHER_ENV[env]}'s table`, role('get_job'), 'dynamodb:GetItem', TABLE, { resourceStack: other }),
    deny(`quality-control cannot read ${OTHER_ENV[env]}'s outputs`, role('quality_control'), 's3:GetObject', `${OUTPUT}/${JOB}/x.mp4`, { resourceStack: other }),
    deny(`archive-source cannot write ${OTHER_ENV[env]}'s archive`, role('archive_source'), 's3:PutObject', `${ARCHIVE}/x.mp4`, { resourceStack: other }),
    deny(`MediaConvert role cannot write ${OTHER_ENV[env]}'s outputs`, { role: 'mediaconvert' }, 's3:PutObject', `${OUTPUT}/${JOB}/x.mp4`, { resourceStack: other }),
    // CreateJob is granted on "*" as AWS's Step Functions guide requires (SECURITY.md, "MediaConvert
    // CreateJob"): IAM no longer keeps this environment off another one's queue; the definition does
    // (__tests__/asl/structure.test.ts pins the Transcode Queue). What still isolates environments
    // is the role a job runs with: PassRole (below) and the MediaConvert role's bucket grants.
    {
      ...allow(`workflow may name ${OTHER_ENV[env]}'s MediaConvert queue in CreateJob (Resource "*", pinned by the ASL instead)`, { role: 'workflow' }, 'mediaconvert:CreateJob', '${aws_media_convert_queue.transcode.arn}'),
      resourceStack: other,
    },
    deny(`workflow cannot invoke ${OTHER_ENV[env]}'s functions`, { role: 'workflow' }, 'lambda:InvokeFunction', '${aws_lambda_function.extract_metadata.arn}', { resourceStack: other }),
    deny(`workflow cannot pass ${OTHER_ENV[env]}'s MediaConvert role`, { role: 'workflow' }, 'iam:PassRole', '${aws_iam_role.mediaconvert.arn}', {
      resourceStack: other, context: { 'iam:PassedToService': 'mediaconvert.amazonaws.com' },
    }),
    deny(`publish cannot publish to ${OTHER_ENV[env]}'s topic`, role('publish'), 'sns:Publish', TOPIC, { resourceStack: other }),

    // ---- must deny: TLS only (explicit deny in the resource policy, whatever the identity grants) ----
    denyTls('source bucket refuses GetObject without TLS', role('archive_source'), 's3:GetObject', UPLOAD),
    denyTls('source bucket refuses presigned uploads without TLS', role('create_upload'), 's3:PutObject', UPLOAD),
    denyTls('output bucket refuses MediaConvert writes without TLS', { role: 'mediaconvert' }, 's3:PutObject', `${OUTPUT}/${JOB}/x.mp4`),
    denyTls('archive bucket refuses writes without TLS', role('archive_source'), 's3:PutObject', `${ARCHIVE}/uploads/clip.mp4`),
    denyTls('source bucket refuses an administrator without TLS', { admin: 'this-account' }, 's3:ListBucket', SOURCE),
    denyTls('state bucket refuses an administrator without TLS', { admin: 'this-account' }, 's3:GetObject', '${aws_s3_bucket.state.arn}/video-workflow/video-workflow-prod.tfstate', STATE_STACK),
    denyTls('topic refuses Publish without TLS', role('publish'), 'sns:Publish', TOPIC),
    denyTls('ingest queue refuses SendMessage without TLS', { admin: 'this-account' }, 'sqs:SendMessage', '${aws_sqs_queue.ingest.arn}'),
    denyTls('events DLQ refuses SendMessage without TLS', role('job_progress'), 'sqs:SendMessage', '${aws_sqs_queue.events_dlq.arn}'),
    // sqs:* / sns:*: every action, not only sends, needs TLS.
    denyTls('ingest queue refuses ReceiveMessage without TLS', role('start_workflow'), 'sqs:ReceiveMessage', '${aws_sqs_queue.ingest.arn}'),
    denyTls('topic refuses Subscribe without TLS', { admin: 'this-account' }, 'sns:Subscribe', TOPIC),
  ];

  // ---- API callers (AWS_IAM mode): the reader, writer and admin policies of docs/api.md ----
  const API = '${aws_apigatewayv2_api.jobs.execution_arn}/$default';
  const ROUTE_ACCESS: ReadonlyArray<readonly [string, string, readonly ApiRole[]]> = [
    ['GET /jobs', `${API}/GET/jobs`, ['reader', 'writer', 'admin']],
    ['GET /jobs/{jobId}', `${API}/GET/jobs/${JOB}`, ['reader', 'writer', 'admin']],
    ['POST /jobs', `${API}/POST/jobs`, ['writer', 'admin']],
    ['POST /uploads', `${API}/POST/uploads`, ['writer', 'admin']],
  ];
  for (const role of API_ROLES) {
    for (const [route, resource, allowed] of ROUTE_ACCESS) {
      if (allowed.includes(role)) cases.push(allow(`API ${role} role invokes ${route}`, { apiRole: role }, 'execute-api:Invoke', resource));
      else cases.push(deny(`API ${role} role cannot invoke ${route}`, { apiRole: role }, 'execute-api:Invoke', resource));
    }
    cases.push(deny(`API ${role} role cannot invoke ${OTHER_ENV[env]}'s API`, { apiRole: role }, 'execute-api:Invoke', `${API}/GET/jobs`, { resourceStack: other }));
  }

  if (dataKey) {
    cases.push(
      allow('extract-metadata decrypts source objects with the data key', role('extract_metadata'), 'kms:Decrypt', dataKey),
      allow('create-upload encrypts uploads with the data key', role('create_upload'), 'kms:GenerateDataKey', dataKey),
      allow('EventBridge of this account encrypts messages for the queues', service('events.amazonaws.com'), 'kms:GenerateDataKey', dataKey, { 'aws:SourceAccount': ACCOUNT }),
      deny('plan-transcode cannot use the data key', role('plan_transcode'), 'kms:Decrypt', dataKey),
      // Objects are stored only under the data key: a write asking for another key or SSE-S3 is refused.
      deny('archive bucket refuses a write under another KMS key', role('archive_source'), 's3:PutObject', `${ARCHIVE}/${JOB}/uploads/clip.mp4`, {
        context: { 's3:x-amz-server-side-encryption': 'aws:kms', 's3:x-amz-server-side-encryption-aws-kms-key-id': `arn:aws:kms:${REGION}:${ACCOUNT}:key/11111111-2222-3333-4444-555555555555` },
        expect: 'ExplicitlyDenied',
      }),
      deny('source bucket refuses an SSE-S3 upload', role('create_upload'), 's3:PutObject', UPLOAD, { context: { 's3:x-amz-server-side-encryption': 'AES256' }, expect: 'ExplicitlyDenied' }),
      deny('output bucket refuses a MediaConvert write under another KMS key', { role: 'mediaconvert' }, 's3:PutObject', `${OUTPUT}/${JOB}/x.mp4`, {
        context: { 's3:x-amz-server-side-encryption': 'aws:kms', 's3:x-amz-server-side-encryption-aws-kms-key-id': `arn:aws:kms:${REGION}:${ACCOUNT}:key/11111111-2222-3333-4444-555555555555` },
        expect: 'ExplicitlyDenied',
      }),
      allow('budgets of this stack encrypt alerts for the topic', service('budgets.amazonaws.com'), 'kms:GenerateDataKey', dataKey, {
        'aws:SourceAccount': ACCOUNT, 'aws:SourceArn': `arn:aws:budgets::${ACCOUNT}:budget/video-workflow-${env}-mediaconvert`,
      }),
      deny('get-job cannot encrypt with the data key', role('get_job'), 'kms:GenerateDataKey', dataKey),
      deny('another account\'s administrator cannot decrypt with the data key', { admin: 'other-account' }, 'kms:Decrypt', dataKey),
      deny('EventBridge acting for another account cannot use the data key', service('events.amazonaws.com'), 'kms:GenerateDataKey', dataKey, { context: { 'aws:SourceAccount': OTHER_ACCOUNT } }),
    );
  }
  return cases;
}
