/**
 * Lambda functions, the state machine and the HTTP API as synthesized for every environment.
 * The environment-variable cross-check reads the handlers' source: every variable a handler
 * (or a shared module it imports) reads with requireEnv/listEnv/process.env must be set on its
 * function, so renaming a variable on one side only fails here, not at 3 a.m. in prod.
 */
import { readFileSync, statSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Apigatewayv2Authorizer } from '@cdktf/provider-aws/lib/apigatewayv2-authorizer';
import { ENVIRONMENTS, ENVIRONMENT_NAMES } from '../../stacks/config';
import { handlerNames } from '../../stacks/lib/bundle';
import { snake } from '../../stacks/lib/naming';
import { SynthesizedStack, SynthResult, synthApp } from '../helpers/synth';

const HANDLERS_DIR = resolve(__dirname, '..', '..', 'handlers');
// The functions, as the bundler finds them (shared/ and lambda-runtime/ are code the handlers import).
const HANDLERS = handlerNames();

/** Files a handler bundles from handlers/: its index.ts and every relative import, transitively. */
function handlerSources(handler: string): string[] {
  const entry = join(HANDLERS_DIR, handler, 'index.ts');
  if (!existsSync(entry)) throw new Error(`handlers/${handler}/index.ts does not exist`);
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    for (const [, spec] of source.matchAll(/(?:from|import)\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const base = resolve(dirname(file), spec);
      const found = [`${base}.ts`, join(base, 'index.ts'), base].find((f) => existsSync(f) && statSync(f).isFile());
      if (found && found.startsWith(HANDLERS_DIR)) queue.push(found);
    }
  }
  return [...seen];
}

/**
 * Variables a handler cannot run without: requireEnv('X'), listEnv('X') (an empty list would
 * reject every input) and direct process.env.X reads. intEnv('X', fallback) has a default and
 * is deliberately not required.
 */
function environmentVariablesRead(handler: string): Set<string> {
  const names = new Set<string>();
  for (const file of handlerSources(handler)) {
    const source = readFileSync(file, 'utf8');
    const patterns = [
      /requireEnv\(\s*['"]([A-Z][A-Z0-9_]*)['"]/g,
      /listEnv\(\s*['"]([A-Z][A-Z0-9_]*)['"]/g,
      /process\.env\.([A-Z][A-Z0-9_]*)/g,
      /process\.env\[\s*['"]([A-Z][A-Z0-9_]*)['"]\s*\]/g,
    ];
    for (const pattern of patterns) for (const [, name] of source.matchAll(pattern)) names.add(name);
  }
  return names;
}

let app: SynthResult;
beforeAll(() => {
  app = synthApp();
});

/** Every `${aws_x.y...}` / `${data.aws_x.y...}` reference in a string resolves to a block of the stack. */
function unresolvedReferences(stack: SynthesizedStack, text: string): string[] {
  const missing: string[] = [];
  for (const [, type, name] of text.matchAll(/\$\{(aws_[a-z0-9_]+)\.([a-z0-9_]+)\b/g)) {
    if (!stack.resources(type)[name]) missing.push(`${type}.${name}`);
  }
  return missing;
}

describe('handler folders', () => {
  it('lists the pipeline steps and API handlers (the scan is not vacuous)', () => {
    expect(HANDLERS).toEqual(expect.arrayContaining(['extract-metadata', 'start-workflow', 'record-failure', 'create-job']));
    expect([...environmentVariablesRead('start-workflow')]).toEqual(expect.arrayContaining(['STATE_MACHINE_ARN', 'JOBS_TABLE_NAME', 'POWERTOOLS_LOG_LEVEL']));
  });
});

describe.each(ENVIRONMENT_NAMES)('lambda functions (%s)', (envName) => {
  const prefix = `video-workflow-${envName}`;

  it.each(HANDLERS)('%s: arm64 nodejs22.x, active tracing, JSON logs to its own log group, its own role', (handler) => {
    // Prepare
    const stack = app.env(envName);
    const key = snake(handler);
    // Act
    const fn = stack.resource('aws_lambda_function', key);
    const logGroup = stack.resource('aws_cloudwatch_log_group', key);
    const role = stack.resource('aws_iam_role', `${key}_function`);
    // Assess
    expect(fn).toMatchObject({
      function_name: `${prefix}-${handler}`,
      runtime: 'nodejs22.x',
      architectures: ['arm64'],
      handler: 'index.handler',
      tracing_config: { mode: 'Active' },
      logging_config: { log_format: 'JSON', log_group: `\${aws_cloudwatch_log_group.${key}.name}` },
      role: `\${aws_iam_role.${key}_function.arn}`,
    });
    expect(fn.depends_on).toEqual(expect.arrayContaining([`aws_cloudwatch_log_group.${key}`, `aws_iam_role_policy.${key}_function`]));
    expect(logGroup).toMatchObject({ name: `/aws/lambda/${prefix}-${handler}`, retention_in_days: '${var.log_retention_days}' });
    expect(JSON.parse(role.assume_role_policy).Statement).toEqual([
      expect.objectContaining({ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }),
    ]);
  });

  it.each(HANDLERS)('%s: sets every environment variable the code reads', (handler) => {
    const variables = app.env(envName).resource('aws_lambda_function', snake(handler)).environment.variables as Record<string, string>;
    const read = [...environmentVariablesRead(handler)].sort();
    expect(read.filter((name) => !(name in variables))).toEqual([]);
  });

  it('has exactly one function per handler folder, each with a distinct role', () => {
    const stack = app.env(envName);
    const functions = stack.resources('aws_lambda_function');
    expect(Object.keys(functions).sort()).toEqual(HANDLERS.map(snake).sort());
    const roles = Object.values(functions).map((f) => f.role);
    expect(new Set(roles).size).toBe(roles.length);
  });

  it(`defaults log_retention_days to ${ENVIRONMENTS[envName].defaultLogRetentionDays}`, () => {
    expect(app.env(envName).json.variable?.log_retention_days.default).toBe(ENVIRONMENTS[envName].defaultLogRetentionDays);
  });
});

describe.each(ENVIRONMENT_NAMES)('state machine (%s)', (envName) => {
  const env = ENVIRONMENTS[envName];

  it('is STANDARD with tracing on and logging at the environment level', () => {
    expect(app.env(envName).resource('aws_sfn_state_machine', 'workflow')).toMatchObject({
      name: `video-workflow-${envName}-workflow`,
      type: 'STANDARD',
      role_arn: '${aws_iam_role.workflow.arn}',
      tracing_configuration: { enabled: true },
      logging_configuration: {
        level: envName === 'dev' ? 'ALL' : 'ERROR',
        include_execution_data: envName === 'dev',
        log_destination: '${aws_cloudwatch_log_group.workflow.arn}:*',
      },
    });
    expect(app.env(envName).resource('aws_cloudwatch_log_group', 'workflow').retention_in_days).toBe('${var.log_retention_days}');
  });

  it('embeds the ASL with every placeholder resolved to a Terraform reference of this stack', () => {
    // Prepare
    const stack = app.env(envName);
    const text: string = stack.resource('aws_sfn_state_machine', 'workflow').definition;
    // Act
    const definition = JSON.parse(text) as { States: Record<string, any>; TimeoutSeconds?: number };
    const interpolations = [...text.matchAll(/\$\{([^}]*)\}/g)].map((m) => m[1]);
    // Assess: no "${Name}" placeholder left, and every interpolation is a resolvable reference.
    expect(interpolations.filter((i) => !/^aws_[a-z0-9_]+\.[a-z0-9_]+\.[a-z_]+$/.test(i))).toEqual([]);
    expect(unresolvedReferences(stack, text)).toEqual([]);

    const lambdaTasks = Object.entries(definition.States).filter(([, s]) => s.Type === 'Task' && !String(s.Resource).startsWith('arn:aws:states:::'));
    expect(lambdaTasks.length).toBeGreaterThanOrEqual(5);
    for (const [, state] of lambdaTasks) expect(state.Resource).toMatch(/^\$\{aws_lambda_function\.[a-z_]+\.arn\}$/);
    expect(definition.States.ExtractMetadata.Resource).toBe('${aws_lambda_function.extract_metadata.arn}');
    expect(definition.States.Transcode.Parameters).toMatchObject({ Queue: '${aws_media_convert_queue.transcode.arn}', Role: '${aws_iam_role.mediaconvert.arn}' });
    expect(definition.States.Transcode.TimeoutSeconds).toBe(env.transcodeTimeoutSeconds);
    expect(definition.TimeoutSeconds).toBeGreaterThan(env.transcodeTimeoutSeconds);
  });
});

describe.each(ENVIRONMENT_NAMES)('HTTP API (%s)', (envName) => {
  const ROUTES = {
    post_jobs: ['POST /jobs', 'create_job', 'POST/jobs', 'write'],
    get_jobs_job_id: ['GET /jobs/{jobId}', 'get_job', 'GET/jobs/*', 'read'],
    get_jobs: ['GET /jobs', 'list_jobs', 'GET/jobs', 'read'],
    post_uploads: ['POST /uploads', 'create_upload', 'POST/uploads', 'write'],
  } as const;

  it('authorizes every route with AWS_IAM, or JWT when api_jwt_issuer is set', () => {
    const routes = app.env(envName).resources('aws_apigatewayv2_route');
    expect(Object.keys(routes).sort()).toEqual(Object.keys(ROUTES).sort());
    for (const [address, [routeKey, fn]] of Object.entries(ROUTES)) {
      expect(routes[address]).toEqual(
        expect.objectContaining({
          route_key: routeKey,
          target: `integrations/\${aws_apigatewayv2_integration.${fn}.id}`,
          authorization_type: '${var.api_jwt_issuer != "" ? "JWT" : "AWS_IAM"}',
          authorizer_id: '${var.api_jwt_issuer != "" ? aws_apigatewayv2_authorizer.jwt[0].id : null}',
        }),
      );
    }
  });

  it('requires the read scope on GET routes and the write scope on POST routes in JWT mode (admin scope on all; none under AWS_IAM)', () => {
    const routes = app.env(envName).resources('aws_apigatewayv2_route');
    for (const [address, [, , , access]] of Object.entries(ROUTES)) {
      expect({ address, scopes: routes[address].authorization_scopes }).toEqual({
        address,
        scopes: `\${var.api_jwt_issuer != "" ? [var.api_jwt_${access}_scope, var.api_jwt_admin_scope] : null}`,
      });
    }
  });

  it('gives the API functions the admin scope and admin principals, and the start functions the quota and reservation tables', () => {
    const fns = app.env(envName).resources('aws_lambda_function');
    for (const fn of ['create_job', 'get_job', 'list_jobs', 'create_upload']) {
      expect(fns[fn].environment.variables).toMatchObject({
        API_ADMIN_SCOPE: '${var.api_jwt_admin_scope}',
        API_ADMIN_PRINCIPALS: '${join(",", var.api_admin_principals)}',
      });
    }
    for (const fn of ['create_job', 'start_workflow']) {
      expect(fns[fn].environment.variables).toMatchObject({
        LIMITS_TABLE_NAME: '${aws_dynamodb_table.limits.name}',
        UPLOADS_TABLE_NAME: '${aws_dynamodb_table.uploads.name}',
        MAX_JOBS_PER_OWNER_PER_DAY: '${var.max_jobs_per_owner_per_day}',
      });
    }
    expect(fns.create_upload.environment.variables).toMatchObject({
      UPLOADS_TABLE_NAME: '${aws_dynamodb_table.uploads.name}',
      UPLOAD_URL_EXPIRES_SECONDS: '${var.upload_url_expires_seconds}',
    });
  });

  it('lets API Gateway invoke each function only for its own method and path on this API', () => {
    const permissions = app.env(envName).resources('aws_lambda_permission');
    for (const [address, [, fn, methodPath]] of Object.entries(ROUTES)) {
      expect(permissions[address]).toMatchObject({
        action: 'lambda:InvokeFunction',
        principal: 'apigateway.amazonaws.com',
        function_name: `\${aws_lambda_function.${fn}.function_name}`,
        source_arn: `\${aws_apigatewayv2_api.jobs.execution_arn}/*/${methodPath}`,
      });
    }
  });

  it('declares the JWT authorizer only when api_jwt_issuer is set', () => {
    expect(app.env(envName).synth).toHaveResourceWithProperties(Apigatewayv2Authorizer, {
      count: '${var.api_jwt_issuer != "" ? 1 : 0}',
      api_id: '${aws_apigatewayv2_api.jobs.id}',
      authorizer_type: 'JWT',
      identity_sources: ['$request.header.Authorization'],
      jwt_configuration: { issuer: '${var.api_jwt_issuer}', audience: '${var.api_jwt_audience}' },
    });
  });

  it('throttles the stage and writes JSON access logs to a retained log group', () => {
    const stack = app.env(envName);
    const stage = stack.resource('aws_apigatewayv2_stage', 'default');
    expect(stage).toMatchObject({
      name: '$default',
      auto_deploy: true,
      default_route_settings: {
        throttling_burst_limit: '${var.api_throttle_burst_limit}',
        throttling_rate_limit: '${var.api_throttle_rate_limit}',
      },
      access_log_settings: { destination_arn: '${aws_cloudwatch_log_group.api_access.arn}' },
    });
    expect(JSON.parse(stage.access_log_settings.format)).toMatchObject({ requestId: '$context.requestId', status: '$context.status', routeKey: '$context.routeKey' });
    expect(stack.resource('aws_cloudwatch_log_group', 'api_access').retention_in_days).toBe('${var.log_retention_days}');
  });

  it('adds CORS through a dynamic block driven by cors_allowed_origins', () => {
    const api = app.env(envName).resource('aws_apigatewayv2_api', 'jobs');
    expect(api.protocol_type).toBe('HTTP');
    expect(api.cors_configuration).toBeUndefined();
    expect(api.dynamic.cors_configuration).toMatchObject({
      for_each: '${length(var.cors_allowed_origins) > 0 ? [1] : []}',
      content: { allow_origins: '${var.cors_allowed_origins}' },
    });
  });
});
