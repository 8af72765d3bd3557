/**
 * What makes the synthesized JSON reviewable and reproducible: readable addresses, backends,
 * variables, environment selection, and deterministic Lambda packaging (checked across two
 * separate `node --import tsx main.ts` processes: the real guarantee, not a per-process cache).
 */
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { unzipSync } from 'fflate';
import { selectedEnvironments } from '../../stacks/app';
import { ENVIRONMENT_NAMES, environmentConfig } from '../../stacks/config';
import { PROJECT_ROOT } from '../../stacks/lib/bundle';
import { App } from 'cdktf';
import { addStacks } from '../../stacks/app';
import { DEFAULT_STATE_BACKEND, resolveStateBackend } from '../../stacks/state-backend';
import { extractPolicies, statementsOf } from '../security/policies';
import { addresses, STATE_STACK, StackName, SynthResult, synthApp, synthAppUncached, TEST_STATE_BUCKET, WORKFLOW_STACKS } from '../helpers/synth';

const ALL_STACKS: StackName[] = [STATE_STACK, ...WORKFLOW_STACKS];
const noContext = () => undefined;

let app: SynthResult;
beforeAll(() => {
  app = synthApp();
});

describe('readable addresses', () => {
  it.each(ALL_STACKS)('%s: every resource and data address is snake_case without a hash suffix', (name) => {
    // Prepare
    const stack = app.stack(name);
    // Act
    const all = addresses(stack);
    const bad = all.filter((a) => {
      const local = a.split('.').pop()!;
      return !/^[a-z][a-z0-9_]*$/.test(local) || /_[0-9a-f]{8}$/i.test(local);
    });
    // Assess
    expect(all.length).toBeGreaterThan(name === STATE_STACK ? 5 : 100);
    expect(bad).toEqual([]);
  });

  it('keeps the addresses Terraform teams import by', () => {
    const prod = app.env('prod');
    for (const [type, name] of [
      ['aws_s3_bucket', 'source'],
      ['aws_lambda_function', 'extract_metadata'],
      ['aws_sfn_state_machine', 'workflow'],
      ['aws_dynamodb_table', 'jobs'],
      ['aws_sqs_queue', 'ingest'],
      ['aws_cloudwatch_dashboard', 'main'],
    ]) {
      expect(prod.resources(type)).toHaveProperty(name);
    }
    expect(prod.data('aws_caller_identity')).toHaveProperty('current');
  });
});

describe('backends', () => {
  it('dev keeps state in a relative local path outside cdktf.out', () => {
    // Prepare
    const { path } = app.env('dev').json.terraform!.backend.local;
    const stackDir = join(PROJECT_ROOT, 'cdktf.out', 'stacks', 'video-workflow-dev');
    // Act
    const where = resolve(stackDir, path);
    // Assess
    expect(isAbsolute(path)).toBe(false);
    expect(relative(join(PROJECT_ROOT, 'cdktf.out'), where).startsWith('..')).toBe(true);
    expect(relative(PROJECT_ROOT, where)).toBe(join('terraform-state', 'video-workflow-dev.tfstate'));
  });

  it.each(['staging', 'prod'] as const)('%s uses the S3 backend with encryption and S3-native locking', (envName) => {
    expect(app.env(envName).json.terraform?.backend).toEqual({
      s3: {
        bucket: TEST_STATE_BUCKET,
        region: DEFAULT_STATE_BACKEND.region,
        key: `${DEFAULT_STATE_BACKEND.keyPrefix}video-workflow-${envName}.tfstate`,
        encrypt: true,
        use_lockfile: true,
      },
    });
  });

  it('takes bucket, region and key prefix from TF_STATE_* environment variables', () => {
    // Act
    const custom = synthAppUncached({ env: { TF_STATE_BUCKET: 'acme-tf-state', TF_STATE_REGION: 'eu-west-1', TF_STATE_KEY_PREFIX: 'media/' } });
    // Assess
    expect(custom.env('prod').json.terraform?.backend.s3).toMatchObject({
      bucket: 'acme-tf-state',
      region: 'eu-west-1',
      key: 'media/video-workflow-prod.tfstate',
    });
    expect(custom.stack(STATE_STACK).resource('aws_s3_bucket', 'state').bucket).toBe('acme-tf-state');
    expect(custom.stack(STATE_STACK).json.provider?.aws[0].region).toBe('eu-west-1');
  });

  it('takes them from app context (cdktf.json "context") when no variable is set', () => {
    const custom = synthAppUncached({ env: {}, context: { stateBucket: 'ctx-state', stateRegion: 'eu-central-1', stateKeyPrefix: 'ctx/' } });
    expect(custom.env('staging').json.terraform?.backend.s3).toMatchObject({
      bucket: 'ctx-state',
      region: 'eu-central-1',
      key: 'ctx/video-workflow-staging.tfstate',
    });
  });

  it('prefers the environment variable over context', () => {
    const settings = resolveStateBackend((key) => ({ stateBucket: 'from-context' })[key], { TF_STATE_BUCKET: 'from-env' });
    expect(settings).toEqual({ ...DEFAULT_STATE_BACKEND, bucket: 'from-env' });
    expect(resolveStateBackend(noContext, {})).toEqual(DEFAULT_STATE_BACKEND); // no bucket: not configured
  });

  it.each([
    [{ TF_STATE_BUCKET: 'Bad_Bucket' }, /TF_STATE_BUCKET \(context stateBucket\) "Bad_Bucket"/],
    [{ TF_STATE_BUCKET: 'ab' }, /TF_STATE_BUCKET/],
    [{ TF_STATE_REGION: 'Europe' }, /TF_STATE_REGION \(context stateRegion\) "Europe"/],
    [{ TF_STATE_KEY_PREFIX: '/abs/' }, /TF_STATE_KEY_PREFIX/],
  ])('rejects %j with an error naming the setting', (env, message) => {
    expect(() => resolveStateBackend(noContext, env)).toThrow(message);
    // The same check guards the app as main.ts builds it.
    expect(() => synthAppUncached({ env })).toThrow(message);
  });

  it('rejects an invalid bucket given as context, naming the context key', () => {
    expect(() => synthAppUncached({ env: {}, context: { stateBucket: 'UPPER' } })).toThrow(/context stateBucket\) "UPPER"/);
  });
});

describe('environments', () => {
  it('rejects an unknown environment name, listing the allowed ones', () => {
    expect(() => environmentConfig('qa')).toThrow('Unknown environment "qa": allowed values are dev, staging, prod');
  });

  it('synthesizes one workflow stack per environment plus the state bucket stack', () => {
    expect(ENVIRONMENT_NAMES.map((n) => app.env(n).name)).toEqual(['video-workflow-dev', 'video-workflow-staging', 'video-workflow-prod']);
    expect(app.stack(STATE_STACK).resource('aws_s3_bucket', 'state').bucket).toBe(TEST_STATE_BUCKET);
  });
});

describe('the state bucket has no default (issue #20, point 6)', () => {
  it('a fresh clone (no TF_STATE_BUCKET, no context) synthesizes the bootstrap and dev stacks, and says why staging/prod are left out', () => {
    // Act
    const fresh = synthAppUncached({ env: {} });

    // Assess
    expect(Object.keys(fresh.stacks).sort()).toEqual(['video-workflow-dev', 'video-workflow-state']);
    expect(fresh.notices).toEqual([expect.stringMatching(/^video-workflow-staging, video-workflow-prod: not synthesized.*TF_STATE_BUCKET.*"stateBucket"/)]);
  });

  it('without a name, the bootstrap names its bucket after the account and region (known at plan time, output for TF_STATE_BUCKET)', () => {
    // Act
    const fresh = synthAppUncached({ env: { TF_STATE_REGION: 'eu-west-1' } });
    const state = fresh.stack(STATE_STACK);

    // Assess
    expect(state.resource('aws_s3_bucket', 'state').bucket).toBe('video-workflow-tfstate-${data.aws_caller_identity.current.account_id}-eu-west-1');
    expect(state.data('aws_caller_identity')).toHaveProperty('current');
    expect(state.json.output?.state_bucket_name).toMatchObject({ value: '${aws_s3_bucket.state.bucket}', description: expect.stringContaining('TF_STATE_BUCKET') });
    // Once set to a name, the bootstrap uses it as is and reads no identity.
    expect(app.stack(STATE_STACK).data('aws_caller_identity')).toEqual({});
  });

  it.each([
    [{ VIDEO_WORKFLOW_ENVIRONMENTS: 'prod' }, {}, 'video-workflow-prod'],
    [{ VIDEO_WORKFLOW_ENVIRONMENTS: 'dev,staging' }, {}, 'video-workflow-staging'],
    [{}, { environments: ['staging'] }, 'video-workflow-staging'],
  ])('refuses to synthesize staging/prod asked for by name without a bucket (%j, context %j), naming TF_STATE_BUCKET and stateBucket', (env, context, stack) => {
    // Prepare
    const build = () => addStacks(new App({ outdir: join(tmpdir(), 'never-written'), context }), env, () => {});

    // Act / Assess
    expect(build).toThrow(new RegExp(`^${stack} keeps its Terraform state in S3 and needs the state bucket's name: set TF_STATE_BUCKET \\(or cdktf.json context "stateBucket"\\)`));
    expect(build).toThrow(/There is no default/);
  });

  it('tells the cdktf CLI user with a warning annotation on the bootstrap stack (printed as "WARN [video-workflow-state]: ...")', () => {
    // Act
    const app = new App({ outdir: join(tmpdir(), 'never-written') });
    addStacks(app, {});
    const state = app.node.findChild('video-workflow-state');

    // Assess
    expect(state.node.metadata.map((m) => [m.type, m.data])).toEqual([['@cdktf/warn', expect.stringMatching(/not synthesized.*TF_STATE_BUCKET/)]]);
  });

  it('still synthesizes dev alone, asked for by name, without a bucket', () => {
    // Act
    const app = new App({ outdir: join(tmpdir(), 'never-written') });
    addStacks(app, { VIDEO_WORKFLOW_ENVIRONMENTS: 'dev' }, () => {});

    // Assess
    expect(app.node.children.map((c) => c.node.id).sort()).toEqual(['video-workflow-dev', 'video-workflow-state']);
    expect(selectedEnvironments(noContext, { VIDEO_WORKFLOW_ENVIRONMENTS: 'dev' })).toEqual(['dev']);
  });

  it('refuses the former default name, a global name anyone can own', () => {
    expect(() => resolveStateBackend(noContext, { TF_STATE_BUCKET: 'video-workflow-terraform-state' })).toThrow(
      /TF_STATE_BUCKET \(context stateBucket\) "video-workflow-terraform-state" is the project's former default/,
    );
    expect(() => synthAppUncached({ env: {}, context: { stateBucket: 'video-workflow-terraform-state' } })).toThrow(/former default/);
  });
});

describe('variables', () => {
  const VALIDATED = [
    'aws_region', 'notification_email', 'lambda_memory_mb', 'metadata_lambda_memory_mb', 'lambda_timeout_seconds',
    'log_retention_days', 'output_transition_ia_days', 'output_expiration_days', 'api_jwt_issuer', 'api_jwt_audience',
    'api_throttle_burst_limit', 'api_throttle_rate_limit', 'cors_allowed_origins', 'max_upload_bytes',
    'delivery_price_class', 'delivery_domain_names', 'delivery_certificate_arn', 'delivery_cors_allowed_origins',
    'delivery_signing_public_key_pem', 'delivery_signing_private_key_arn', 'delivery_url_ttl_seconds',
    'api_jwt_read_scope', 'api_jwt_write_scope', 'api_jwt_admin_scope', 'api_admin_principals', 'upload_url_expires_seconds',
    'max_jobs_per_owner_per_day',
    'mediaconvert_concurrent_jobs', 'max_source_duration_seconds', 'mediaconvert_monthly_budget_usd',
    'max_executions_started_per_hour', 'max_transcoding_minutes_per_hour',
    'ingest_batch_size', 'ingest_batching_window_seconds', 'ingest_maximum_concurrency',
    'tags',
    'default_profile', 'allowed_profiles',
  ];

  it.each(WORKFLOW_STACKS)('%s: every variable has a description and a type', (name) => {
    const variables = app.stack(name).json.variable ?? {};
    expect(Object.keys(variables).sort()).toEqual([...VALIDATED].sort());
    for (const [key, v] of Object.entries(variables)) {
      expect({ key, description: typeof v.description === 'string' && v.description.length > 20, type: v.type }).toEqual({
        key,
        description: true,
        type: expect.stringMatching(/^(string|number|bool|list\(string\)|map\(string\))$/),
      });
    }
  });

  it.each(VALIDATED)('%s has a validation whose condition references it and whose message names it', (key) => {
    const [validation] = app.env('prod').json.variable?.[key].validation ?? [];
    expect(validation.condition).toContain(`var.${key}`);
    expect(validation.error_message).toContain(key);
  });
});

describe('encoding profile variables', () => {
  it('validates both against the shipped profile names and requires the default to be allowed', () => {
    // Prepare
    const variables = app.env('prod').json.variable ?? {};
    const shipped = '["standard", "premium", "social", "auto-abr"]';

    // Assess
    expect(variables.default_profile).toMatchObject({ type: 'string', default: 'standard' });
    expect(variables.default_profile.validation[0].condition).toBe(`\${contains(${shipped}, var.default_profile)}`);
    expect(variables.allowed_profiles).toMatchObject({ type: 'list(string)', default: ['standard', 'premium', 'social', 'auto-abr'] });
    expect(variables.allowed_profiles.validation.map((v: { condition: string }) => v.condition)).toEqual([
      `\${length(var.allowed_profiles) > 0 && alltrue([for p in var.allowed_profiles : contains(${shipped}, p)])}`,
      '${contains(var.allowed_profiles, var.default_profile)}',
    ]);
  });

  it.each(['start_workflow', 'create_job', 'create_upload'])('%s gets DEFAULT_PROFILE and ALLOWED_PROFILES from the variables', (fn) => {
    // Act
    const env = app.env('prod').resource('aws_lambda_function', fn).environment.variables;

    // Assess
    expect(env).toMatchObject({ DEFAULT_PROFILE: '${var.default_profile}', ALLOWED_PROFILES: '${join(",", var.allowed_profiles)}' });
  });
});

describe('downstream job events', () => {
  it.each(['publish', 'record_failure', 'job_progress'])('%s may PutEvents on the default bus with its environment\'s source only', (fn) => {
    // Prepare
    const stack = app.env('prod');
    const env = stack.resource('aws_lambda_function', fn).environment.variables;
    const grants = statementsOf(extractPolicies(stack)).filter(
      (s) => s.policy.kind === 'identity' && s.policy.address === `aws_iam_role_policy.${fn}_function` && [s.statement.Action].flat().includes('events:PutEvents'),
    );

    // Assess
    expect(env.EVENT_SOURCE).toBe('video-workflow.prod');
    expect(grants.map((g) => g.statement)).toEqual([
      expect.objectContaining({
        Action: ['events:PutEvents'],
        Resource: expect.stringMatching(/^arn:aws:events:[^:]+:\d{12}:event-bus\/default$/),
        Condition: { StringEquals: { 'events:source': 'video-workflow.prod' } },
      }),
    ]);
  });

  it('grants PutEvents to no other function', () => {
    // Act
    const holders = statementsOf(extractPolicies(app.env('prod')))
      .filter((s) => [s.statement.Action].flat().some((a) => a === 'events:PutEvents' || a === 'events:*'))
      .map((s) => s.policy.address.replace(/^aws_iam_role_policy\./, ''));

    // Assess
    expect(holders.sort()).toEqual(['job_progress_function', 'publish_function', 'record_failure_function']);
  });
});

describe('packaging', () => {
  it('ships MediaInfoModule.wasm beside index.js in the extract-metadata zip', () => {
    const fn = app.env('prod').resource('aws_lambda_function', 'extract_metadata');
    const entries = unzipSync(readFileSync(join(app.env('prod').dir, fn.filename)));
    expect(Object.keys(entries).sort()).toEqual(['MediaInfoModule.wasm', 'index.js']);
    const wasm = readFileSync(join(PROJECT_ROOT, 'node_modules', 'mediainfo.js', 'dist', 'MediaInfoModule.wasm'));
    expect(Buffer.from(entries['MediaInfoModule.wasm']).equals(wasm)).toBe(true);
  });

  it.each(ALL_STACKS)('%s: no absolute or machine-specific path anywhere in the JSON', (name) => {
    const raw = app.stack(name).raw;
    for (const machinePath of [PROJECT_ROOT, app.outdir, tmpdir(), process.env.HOME ?? '/nonexistent-home']) {
      expect(raw).not.toContain(machinePath);
    }
    expect(raw).not.toMatch(/"(\/(home|Users|tmp|root|var|private|work|opt)\/|[A-Za-z]:\\\\)/);
  });
});

describe('environment selection', () => {
  const noContext = () => undefined;

  it('synthesizes every environment by default', () => {
    expect(selectedEnvironments(noContext, {})).toEqual(['dev', 'staging', 'prod']);
  });

  it('takes a subset from VIDEO_WORKFLOW_ENVIRONMENTS or the environments context', () => {
    expect(selectedEnvironments(noContext, { VIDEO_WORKFLOW_ENVIRONMENTS: 'prod, dev' })).toEqual(['dev', 'prod']);
    expect(selectedEnvironments((key) => (key === 'environments' ? 'staging' : undefined), {})).toEqual(['staging']);
  });

  it('fails synth on an unknown environment, naming the allowed values', () => {
    expect(() => selectedEnvironments(noContext, { VIDEO_WORKFLOW_ENVIRONMENTS: 'dev,qa' })).toThrow(
      'Unknown environment "qa": allowed values are dev, staging, prod',
    );
  });
});
