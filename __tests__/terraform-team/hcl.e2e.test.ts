import { parse } from '@cdktf/hcl2json';
import { execFile, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../../stacks/lib/bundle';
import { TEST_STATE_BUCKET } from '../helpers/synth';
import {
  escapeTemplate,
  repairStringLines,
  restoreVariableAttributes,
  stackNames,
  synthHcl,
  SynthHclResult,
  terraformEnv,
  tidyBlankLines,
  unquoteReferences,
} from '../../scripts/synth-hcl';

type Json = Record<string, unknown>;
const execFileAsync = promisify(execFile);

describe('synth-hcl repairs of the cdktf HCL renderer', () => {
  it('escapes the literal text of a template and keeps interpolations verbatim', () => {
    // Prepare
    const template = '{"Resource":"${aws_s3_bucket.source.arn}/*","Cond":"${var.x == "" ? "a" : "b"}"} C:\\dir';

    // Act
    const escaped = escapeTemplate(template);

    // Assess
    expect(escaped).toBe('{\\"Resource\\":\\"${aws_s3_bucket.source.arn}/*\\",\\"Cond\\":\\"${var.x == "" ? "a" : "b"}\\"} C:\\\\dir');
  });

  it('keeps $${ and %%{ literal escapes and nested braces inside an interpolation', () => {
    // Prepare
    const template = 'literal $${not.a.ref} and ${jsonencode({ a = "}" })} and %{ if true }x%{ endif }';

    // Act
    const escaped = escapeTemplate(template);

    // Assess
    expect(escaped).toBe(template);
  });

  it('rejects an unterminated interpolation instead of writing broken HCL', () => {
    // Prepare
    const template = 'arn:${aws_s3_bucket.source.arn';

    // Act
    const act = () => escapeTemplate(template);

    // Assess
    expect(act).toThrow(/Unterminated interpolation/);
  });

  it('re-escapes single-line strings holding an interpolation and leaves heredoc bodies alone', () => {
    // Prepare: exactly what cdktf 0.21 writes for a policy document and a state machine definition.
    const broken = [
      'policy = "{"Version":"2012-10-17","Resource":"${aws_s3_bucket.source.arn}"}"',
      '"${aws_s3_bucket.output.arn}/*",',
      'assume_role_policy = "{\\"Version\\":\\"2012-10-17\\"}"',
      'definition = <<EOF',
      '{ "Resource": "${aws_lambda_function.publish.arn}" }',
      'EOF',
    ].join('\n');

    // Act
    const repaired = repairStringLines(broken);

    // Assess
    expect(repaired.split('\n')).toEqual([
      'policy = "{\\"Version\\":\\"2012-10-17\\",\\"Resource\\":\\"${aws_s3_bucket.source.arn}\\"}"',
      '"${aws_s3_bucket.output.arn}/*",',
      'assume_role_policy = "{\\"Version\\":\\"2012-10-17\\"}"',
      'definition = <<EOF',
      '{ "Resource": "${aws_lambda_function.publish.arn}" }',
      'EOF',
    ]);
  });

  it('writes depends_on items as bare references and leaves other lists alone', () => {
    // Prepare
    const hcl = [
      'depends_on = [',
      '"aws_cloudwatch_log_group.publish",',
      '"data.aws_iam_policy_document.x"',
      ']',
      'subnet_ids = [',
      '"subnet-1",',
      ']',
    ].join('\n');

    // Act
    const unquoted = unquoteReferences(hcl);

    // Assess
    expect(unquoted.split('\n')).toEqual(['depends_on = [', 'aws_cloudwatch_log_group.publish,', 'data.aws_iam_policy_document.x', ']', 'subnet_ids = [', '"subnet-1",', ']']);
  });

  it('puts back the falsy variable attributes the renderer drops', () => {
    // Prepare
    const hcl = 'variable "notification_email" {\ntype = string\n}\nvariable "output_expiration_days" {\ntype = number\n}\nvariable "lambda_memory_mb" {\ndefault = 512\n}\n';
    const json = {
      variable: {
        notification_email: { type: 'string', default: '' },
        output_expiration_days: { type: 'number', default: 0, nullable: false },
        lambda_memory_mb: { type: 'number', default: 512 },
      },
    };

    // Act
    const restored = restoreVariableAttributes(hcl, json);

    // Assess
    expect(restored).toBe(
      'variable "notification_email" {\ndefault = ""\ntype = string\n}\n' +
        'variable "output_expiration_days" {\ndefault = 0\nnullable = false\ntype = number\n}\n' +
        'variable "lambda_memory_mb" {\ndefault = 512\n}\n',
    );
  });

  it('fails when a variable of the JSON is missing from the HCL', () => {
    // Prepare
    const json = { variable: { aws_region: { default: 'us-east-1' } } };

    // Act
    const act = () => restoreVariableAttributes('', json);

    // Assess
    expect(act).toThrow('variable "aws_region" of cdk.tf.json is missing from the HCL');
  });

  it('separates top-level blocks by one blank line and keeps heredoc blank lines', () => {
    // Prepare
    const hcl = 'terraform {\n  a = 1\n\n}\nresource "x" "y" {\n  b = <<EOF\n\n\nEOF\n}\n\n\n\noutput "z" {\n}\n\n';

    // Act
    const tidy = tidyBlankLines(hcl);

    // Assess
    expect(tidy).toBe('terraform {\n  a = 1\n}\n\nresource "x" "y" {\n  b = <<EOF\n\n\nEOF\n}\n\noutput "z" {\n}\n');
  });
});

/** Single-element arrays (HCL blocks) unwrapped, scalars as strings, keys sorted, comments dropped. */
function normalise(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(normalise);
    return items.length === 1 ? items[0] : items;
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .filter((key) => key !== '//')
        .sort()
        .map((key) => [key, normalise((value as Json)[key])]),
    );
  }
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : value;
}

interface Difference {
  readonly path: string;
  readonly json: unknown;
  readonly hcl: unknown;
}

function differences(json: unknown, hcl: unknown, path: string, out: Difference[] = []): Difference[] {
  if (json !== null && hcl !== null && typeof json === 'object' && typeof hcl === 'object') {
    for (const key of new Set([...Object.keys(json), ...Object.keys(hcl)])) {
      differences((json as Json)[key], (hcl as Json)[key], `${path}.${key}`, out);
    }
  } else if (JSON.stringify(json) !== JSON.stringify(hcl)) {
    out.push({ path, json, hcl });
  }
  return out;
}

describe('npm run synth:hcl output', () => {
  let workDir: string;
  let result: SynthHclResult;
  const hclOf = (stack: string) => readFileSync(join(result.outDir, 'stacks', stack, 'cdk.tf'), 'utf8');
  const jsonOf = (stack: string) => JSON.parse(readFileSync(join(workDir, 'json', 'stacks', stack, 'cdk.tf.json'), 'utf8')) as Json;

  const bucketBefore = process.env.TF_STATE_BUCKET;
  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'hcl-test-'));
    // staging/prod are synthesized only with a state bucket name (stacks/state-backend.ts).
    process.env.TF_STATE_BUCKET = bucketBefore || TEST_STATE_BUCKET;
    result = await synthHcl({ outDir: join(workDir, 'hcl'), jsonOutDir: join(workDir, 'json') });
  }, 120_000);

  afterAll(() => {
    if (bucketBefore === undefined) delete process.env.TF_STATE_BUCKET;
    else process.env.TF_STATE_BUCKET = bucketBefore;
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('writes one cdk.tf per stack, the same stacks as the JSON synth', () => {
    // Assess
    expect(result.stacks).toEqual(['video-workflow-dev', 'video-workflow-prod', 'video-workflow-staging', 'video-workflow-state']);
    expect(stackNames(join(workDir, 'json'))).toEqual(result.stacks);
    for (const stack of result.stacks) expect(hclOf(stack)).toMatch(/^terraform \{\n/);
  });

  it('is terraform fmt clean', () => {
    // Act
    const fmt = spawnSync('terraform', ['fmt', '-check', '-recursive', '-list=true', result.outDir], { env: terraformEnv(), encoding: 'utf8' });

    // Assess
    expect({ status: fmt.status, unformatted: fmt.stdout, stderr: fmt.stderr.includes('Error') ? fmt.stderr : '' }).toEqual({
      status: 0,
      unformatted: '',
      stderr: '',
    });
  });

  it('declares every resource, data source, variable and output of cdk.tf.json under the same address', () => {
    for (const stack of result.stacks) {
      // Prepare
      const json = jsonOf(stack);
      const hcl = hclOf(stack);
      const expected: string[] = [];
      for (const kind of ['resource', 'data'] as const) {
        for (const [type, byName] of Object.entries((json[kind] ?? {}) as Record<string, Json>)) {
          for (const name of Object.keys(byName)) expected.push(`${kind} "${type}" "${name}" {`);
        }
      }
      for (const kind of ['variable', 'output'] as const) {
        for (const name of Object.keys((json[kind] ?? {}))) expected.push(`${kind} "${name}" {`);
      }

      // Act
      const declared = new Set(hcl.split('\n').filter((line) => /^(resource|data|variable|output) /.test(line)));

      // Assess
      expect(expected.length).toBeGreaterThan(stack === 'video-workflow-state' ? 8 : 100);
      expect(expected.filter((line) => !declared.has(line))).toEqual([]);
      expect([...declared].filter((line) => !expected.includes(line))).toEqual([]);
    }
  });

  it('holds no absolute machine path', () => {
    for (const stack of result.stacks) {
      // Prepare
      const hcl = hclOf(stack);

      // Assess
      expect(hcl).not.toContain(PROJECT_ROOT);
      expect(hcl).not.toContain(workDir);
      expect(hcl).not.toMatch(/"(\/(home|root|Users|tmp|var|opt|work)\/|[A-Za-z]:\\\\)/);
      for (const filename of hcl.match(/^\s*filename\s*=\s*"([^"]*)"/gm) ?? []) {
        expect(filename).toMatch(/=\s*"assets\//);
      }
    }
  });

  // The provider schema is needed to tell blocks from attributes: offline only with the mirror
  // scripts/terraform-check.sh uses (the jest suite never reaches the registry).
  const mirror = process.env.TF_PLUGIN_MIRROR ?? '/opt/tf-plugins';
  const withMirror = existsSync(mirror) ? it : it.skip;
  withMirror('is valid Terraform without a single warning (init from the offline provider mirror, validate)', async () => {
    // Prepare
    const dir = join(workDir, 'validate');
    mkdirSync(join(dir, 'plugin-cache'), { recursive: true });
    writeFileSync(
      join(dir, 'terraformrc'),
      `provider_installation {\n  filesystem_mirror {\n    path    = "${mirror}"\n    include = ["registry.terraform.io/hashicorp/*"]\n  }\n  direct {\n    exclude = ["registry.terraform.io/hashicorp/*"]\n  }\n}\n`,
    );
    const env = { ...terraformEnv(), TF_CLI_CONFIG_FILE: join(dir, 'terraformrc'), TF_PLUGIN_CACHE_DIR: join(dir, 'plugin-cache') };

    // Every stack pins the same provider: initialise one folder, then share its .terraform.
    const initDir = join(dir, 'init');
    mkdirSync(initDir);
    writeFileSync(join(initDir, 'main.tf.json'), JSON.stringify({ terraform: jsonOf('video-workflow-prod').terraform }));
    const init = spawnSync('terraform', ['init', '-backend=false', '-input=false', '-no-color'], { cwd: initDir, env, encoding: 'utf8' });
    expect(init.status === 0 ? 'ok' : init.stdout + init.stderr).toBe('ok');

    const validateStack = async (stack: string) => {
      const stackDir = join(dir, stack);
      cpSync(join(result.outDir, 'stacks', stack), stackDir, { recursive: true });
      cpSync(join(initDir, '.terraform'), join(stackDir, '.terraform'), { recursive: true, verbatimSymlinks: true });
      cpSync(join(initDir, '.terraform.lock.hcl'), join(stackDir, '.terraform.lock.hcl'));
      const { stdout } = await execFileAsync('terraform', ['validate', '-json', '-no-color'], { cwd: stackDir, env }).catch(
        (error: { stdout?: string }) => ({ stdout: error.stdout ?? '{}' }),
      );
      const report = JSON.parse(stdout) as { valid?: boolean; warning_count?: number; diagnostics?: unknown[] };
      return { stack, valid: report.valid, warnings: report.warning_count, diagnostics: report.diagnostics };
    };

    // Act: the stacks in parallel (loading the AWS provider schema dominates).
    const reports = await Promise.all(result.stacks.map(validateStack));

    // Assess
    expect(reports).toEqual(result.stacks.map((stack) => ({ stack, valid: true, warnings: 0, diagnostics: [] })));
  }, 120_000);

  describe('docs/terraform-teams.md', () => {
    const doc = readFileSync(join(PROJECT_ROOT, 'docs', 'terraform-teams.md'), 'utf8');
    // The rename example's new address, which exists only after someone makes that change.
    const HYPOTHETICAL = ['aws_sqs_queue.ingest_events'];

    it('names only addresses that the synthesized stacks declare', () => {
      // Prepare
      const declared = new Set(
        result.stacks.flatMap((stack) => {
          const json = jsonOf(stack);
          const resources = Object.entries((json.resource ?? {}) as Record<string, Json>).flatMap(([type, byName]) => Object.keys(byName).map((name) => `${type}.${name}`));
          const data = Object.entries((json.data ?? {}) as Record<string, Json>).flatMap(([type, byName]) => Object.keys(byName).map((name) => `data.${type}.${name}`));
          return [...resources, ...data];
        }),
      );

      // Act
      const mentioned = [...new Set([...doc.matchAll(/\b(?:data\.)?aws_[a-z0-9_]+\.[a-z0-9_]+\b/g)].map((m) => m[0]))];

      // Assess
      expect(mentioned.length).toBeGreaterThan(20);
      expect(mentioned.filter((address) => !declared.has(address) && !HYPOTHETICAL.includes(address))).toEqual([]);
    });

    it('names only real stacks, npm scripts and example files, and has the Deploy walkthrough section', () => {
      // Prepare
      const scripts = Object.keys((JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts);
      const stacksNamed = [...doc.matchAll(/npx cdktf (?:deploy|diff|destroy) ([a-z][\w-]*)/g)].map((m) => m[1]);
      const npmScripts = [...doc.matchAll(/npm run ([\w:.-]+)/g)].map((m) => m[1]);
      const examples = [...doc.matchAll(/envs\/([a-z]+)\.tfvars/g)].map((m) => join(PROJECT_ROOT, 'envs', `${m[1]}.tfvars.example`));

      // Assess
      expect(stacksNamed.length).toBeGreaterThan(5);
      expect(stacksNamed.filter((stack) => !result.stacks.includes(stack))).toEqual([]);
      expect(npmScripts.filter((script) => !scripts.includes(script))).toEqual([]);
      expect(examples.filter((file) => !existsSync(file))).toEqual([]);
      expect(doc).toMatch(/^## Deploy walkthrough$/m);
    });
  });

  it('means the same configuration as cdk.tf.json (parsed back with hcl2json)', async () => {
    for (const stack of result.stacks) {
      // Prepare
      const json = jsonOf(stack);
      const parsed = (await parse('cdk.tf', hclOf(stack))) as Json;
      // hcl2json renders a type constraint and a reference as expressions: `type = string` ->
      // "${string}", `depends_on = [aws_x.y]` -> ["${aws_x.y}"]; Terraform JSON spells them bare.
      const bare = (text: unknown) => String(text).replace(/^\$\{(.*)\}$/s, '$1');
      for (const variable of Object.values((parsed.variable ?? {}) as Record<string, Json[]>)) {
        for (const block of variable) block.type = bare(block.type);
      }
      for (const kind of ['resource', 'data']) {
        for (const byName of Object.values((parsed[kind] ?? {}) as Record<string, Record<string, Json[]>>)) {
          for (const block of Object.values(byName).flat()) {
            if (Array.isArray(block.depends_on)) block.depends_on = block.depends_on.map(bare);
          }
        }
      }

      // Act
      const found = ['terraform', 'provider', 'variable', 'data', 'resource', 'output', 'locals', 'moved', 'import'].flatMap((section) =>
        differences(normalise(json[section]), normalise(parsed[section]), `${stack}.${section}`),
      );

      // Assess: the one known difference is that a multi-line string becomes a heredoc, which
      // ends in a newline (the AWS provider compares the state machine definition as JSON).
      const unexplained = found.filter(
        (d) => !(typeof d.json === 'string' && d.json.includes('\n') && d.hcl === `${d.json}\n`),
      );
      expect(unexplained).toEqual([]);
    }
  });
});
