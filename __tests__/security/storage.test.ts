/**
 * Storage baseline, checked generically on the synthesized JSON: every bucket, table, topic,
 * queue and key of every stack (the state-bucket stack included). Each check iterates over
 * every resource of its type, so a new bucket or queue that forgets a control fails here.
 */
import { environmentConfig, ENVIRONMENT_NAMES } from '../../stacks/config';
import { STATE_STACK, synthApp, workflowStackName, type StackName, type SynthesizedStack, type SynthResult } from '../helpers/synth';
import { asArray, extractPolicies, Resolver, type ExtractedPolicy } from './policies';

let app: SynthResult;
beforeAll(() => {
  app = synthApp();
});

const STACKS: readonly StackName[] = [STATE_STACK, ...ENVIRONMENT_NAMES.map(workflowStackName)];

/** Buckets that may stay unversioned, and why; every other bucket must be versioned. */
const UNVERSIONED_BUCKETS: Readonly<Record<string, string>> = {
  output: 'derived renditions: re-creatable by re-running the job from the archived source',
};

/** Synth-time facts about a stack: does it use the customer-managed key, may it be destroyed. */
function expectations(stack: StackName): { cmk: boolean; protected: boolean } {
  if (stack === STATE_STACK) return { cmk: false, protected: true };
  const env = environmentConfig(stack.replace('video-workflow-', ''));
  return { cmk: env.enableCustomerManagedKey, protected: env.enableDeletionProtection };
}

const KEY_REFERENCE = /^\$\{aws_kms_key\.[a-z0-9_]+\.arn\}$/;

/** The companion resources of a bucket (`bucket = ${aws_s3_bucket.<name>.id}`). */
function forBucket(stack: SynthesizedStack, type: string, bucket: string): Record<string, any>[] {
  const refs = [`\${aws_s3_bucket.${bucket}.id}`, `\${aws_s3_bucket.${bucket}.bucket}`];
  return Object.values(stack.resources(type)).filter((r) => refs.includes(r.bucket));
}

function bucketProblems(stack: SynthesizedStack, name: string, bucket: Record<string, any>, policies: readonly ExtractedPolicy[]): string[] {
  const { cmk, protected: isProtected } = expectations(stack.name);
  const problems: string[] = [];
  const one = (type: string) => {
    const found = forBucket(stack, type, name);
    if (found.length !== 1) problems.push(`${type}: expected exactly one, found ${found.length}`);
    return found[0];
  };

  const pab = one('aws_s3_bucket_public_access_block');
  for (const flag of ['block_public_acls', 'block_public_policy', 'ignore_public_acls', 'restrict_public_buckets']) {
    if (pab && pab[flag] !== true) problems.push(`public access block: ${flag} is ${pab[flag]}`);
  }
  const ownership = one('aws_s3_bucket_ownership_controls');
  if (ownership && ownership.rule?.object_ownership !== 'BucketOwnerEnforced') problems.push(`object ownership is ${ownership.rule?.object_ownership}`);

  const sse = one('aws_s3_bucket_server_side_encryption_configuration');
  const rules = asArray(sse?.rule) as Record<string, any>[];
  const byDefault = rules[0]?.apply_server_side_encryption_by_default;
  if (sse && (rules.length !== 1 || !byDefault)) problems.push('SSE: expected one rule with apply_server_side_encryption_by_default');
  if (byDefault) {
    if (!['AES256', 'aws:kms', 'aws:kms:dsse'].includes(byDefault.sse_algorithm)) problems.push(`SSE algorithm ${byDefault.sse_algorithm}`);
    if (cmk && (byDefault.sse_algorithm !== 'aws:kms' || !KEY_REFERENCE.test(byDefault.kms_master_key_id ?? ''))) {
      problems.push(`SSE must be aws:kms with this stack's customer-managed key, got ${JSON.stringify(byDefault)}`);
    }
  }

  const versioning = forBucket(stack, 'aws_s3_bucket_versioning', name);
  const versioned = versioning.length === 1 && versioning[0].versioning_configuration?.status === 'Enabled';
  if (!versioned && !(name in UNVERSIONED_BUCKETS)) problems.push('versioning is not enabled (or list the bucket in UNVERSIONED_BUCKETS with a reason)');

  if (isProtected && bucket.force_destroy !== false) problems.push(`force_destroy is ${bucket.force_destroy} in a protected stack`);

  const arn = new Resolver(stack).attribute(`aws_s3_bucket.${name}.arn`);
  const policy = policies.find((p) => p.kind === 'bucket' && p.attachedTo === arn);
  const tls = policy?.document.Statement.find(
    (s) =>
      s.Effect === 'Deny' &&
      s.Principal === '*' &&
      asArray(s.Action).includes('s3:*') &&
      asArray(s.Resource).includes(arn) &&
      asArray(s.Resource).includes(`${arn}/*`) &&
      JSON.stringify(s.Condition) === JSON.stringify({ Bool: { 'aws:SecureTransport': 'false' } }),
  );
  if (!tls) problems.push('no bucket policy statement denies s3:* on the bucket and its objects when aws:SecureTransport is false');
  return problems;
}

describe.each(STACKS)('storage baseline of %s', (stackName) => {
  let stack: SynthesizedStack;
  let policies: ExtractedPolicy[];
  beforeAll(() => {
    stack = app.stack(stackName);
    policies = extractPolicies(stack);
  });

  it('every bucket: public access blocked, BucketOwnerEnforced, SSE, TLS-only policy, versioning, no force_destroy when protected', () => {
    // Prepare
    const buckets = Object.entries(stack.resources('aws_s3_bucket'));
    expect(buckets.length).toBeGreaterThan(0);

    // Act
    const problems = buckets.flatMap(([name, bucket]) => bucketProblems(stack, name, bucket, policies).map((p) => `aws_s3_bucket.${name}: ${p}`));

    // Assess
    expect(problems).toEqual([]);
  });

  it('the state bucket cannot be destroyed by Terraform', () => {
    if (stackName !== STATE_STACK) return expect(stack.resources('aws_s3_bucket').state).toBeUndefined();
    return expect(stack.resource('aws_s3_bucket', 'state').lifecycle).toEqual({ prevent_destroy: true });
  });

  it('every table: PITR, SSE (the customer-managed key where required), TTL, deletion protection when protected', () => {
    const { cmk, protected: isProtected } = expectations(stackName);
    const problems: string[] = [];
    for (const [name, table] of Object.entries(stack.resources('aws_dynamodb_table'))) {
      const at = `aws_dynamodb_table.${name}`;
      if (table.point_in_time_recovery?.enabled !== true) problems.push(`${at}: point_in_time_recovery not enabled`);
      // enabled=false is DynamoDB's AWS-owned key (tables are always encrypted at rest); the
      // block must still be there so the choice is explicit and reviewable.
      if (!table.server_side_encryption) problems.push(`${at}: no server_side_encryption block`);
      if (cmk && (table.server_side_encryption?.enabled !== true || !KEY_REFERENCE.test(table.server_side_encryption?.kms_key_arn ?? ''))) {
        problems.push(`${at}: must be encrypted with this stack's customer-managed key`);
      }
      if (isProtected && table.deletion_protection_enabled !== true) problems.push(`${at}: deletion_protection_enabled is ${table.deletion_protection_enabled}`);
      if (table.ttl?.enabled !== true) problems.push(`${at}: TTL not enabled`);
    }
    expect(problems).toEqual([]);
    if (stackName !== STATE_STACK) expect(Object.keys(stack.resources('aws_dynamodb_table')).sort()).toEqual(['jobs', 'limits', 'uploads']);
  });

  it('every topic: encrypted with a customer-managed key (alarms and EventBridge cannot use alias/aws/sns), TLS-only policy', () => {
    const problems: string[] = [];
    for (const [name, topic] of Object.entries(stack.resources('aws_sns_topic'))) {
      const at = `aws_sns_topic.${name}`;
      if (!KEY_REFERENCE.test(topic.kms_master_key_id ?? '')) problems.push(`${at}: kms_master_key_id is ${topic.kms_master_key_id}`);
      const policy = policies.find((p) => p.kind === 'topic' && p.address === `aws_sns_topic_policy.${name}`);
      const tls = policy?.document.Statement.some((s) => s.Effect === 'Deny' && s.Principal === '*' && JSON.stringify(s.Condition) === '{"Bool":{"aws:SecureTransport":"false"}}');
      if (!tls) problems.push(`${at}: no topic policy statement denies requests without TLS`);
    }
    expect(problems).toEqual([]);
  });

  it('every queue: encrypted (the customer-managed key where required), TLS-only policy', () => {
    const { cmk } = expectations(stackName);
    const problems: string[] = [];
    for (const [name, queue] of Object.entries(stack.resources('aws_sqs_queue'))) {
      const at = `aws_sqs_queue.${name}`;
      const kms = KEY_REFERENCE.test(queue.kms_master_key_id ?? '');
      if (!kms && queue.sqs_managed_sse_enabled !== true) problems.push(`${at}: neither kms_master_key_id nor sqs_managed_sse_enabled`);
      if (cmk && !kms) problems.push(`${at}: must use this stack's customer-managed key`);
      const policy = policies.find((p) => p.kind === 'queue' && p.address === `aws_sqs_queue_policy.${name}`);
      const tls = policy?.document.Statement.some((s) => s.Effect === 'Deny' && s.Principal === '*' && JSON.stringify(s.Condition) === '{"Bool":{"aws:SecureTransport":"false"}}');
      if (!tls) problems.push(`${at}: no queue policy statement denies requests without TLS`);
    }
    expect(problems).toEqual([]);
  });

  it('every KMS key rotates and has an explicit key policy; every log group has a retention', () => {
    const problems: string[] = [];
    for (const [name, key] of Object.entries(stack.resources('aws_kms_key'))) {
      if (key.enable_key_rotation !== true) problems.push(`aws_kms_key.${name}: rotation off`);
      if (typeof key.policy !== 'string') problems.push(`aws_kms_key.${name}: no explicit policy`);
    }
    for (const [name, group] of Object.entries(stack.resources('aws_cloudwatch_log_group'))) {
      if (group.retention_in_days === undefined) problems.push(`aws_cloudwatch_log_group.${name}: no retention`);
    }
    expect(problems).toEqual([]);
  });
});

describe('environment differences', () => {
  it('prod uses one customer-managed key for buckets, table, topic and queues; dev and staging do not', () => {
    expect(Object.keys(app.env('prod').resources('aws_kms_key'))).toEqual(['data']);
    for (const env of ['dev', 'staging'] as const) {
      // Only the topic key (alarms and EventBridge need a key policy that lets them publish).
      expect(Object.keys(app.env(env).resources('aws_kms_key'))).toEqual(['topic']);
      expect(Object.values(app.env(env).resources('aws_s3_bucket_server_side_encryption_configuration')).map((c) => c.rule[0].apply_server_side_encryption_by_default.sse_algorithm)).toEqual(['AES256', 'AES256', 'AES256']);
    }
  });

  it('only dev and staging buckets may be force-destroyed', () => {
    const forceDestroy = (env: 'dev' | 'staging' | 'prod') => Object.values(app.env(env).resources('aws_s3_bucket')).map((b) => b.force_destroy);
    expect(forceDestroy('prod')).toEqual([false, false, false]);
    expect(forceDestroy('dev')).toEqual([true, true, true]);
  });
});
