import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Testing } from 'cdktf';
import { ENVIRONMENT_NAMES, environmentConfig, EnvironmentName } from '../../stacks/config';
import { StackVariables } from '../../stacks/variables';
import { terraformEnv } from '../../scripts/synth-hcl';

const ROOT = join(__dirname, '..', '..');

type VariableBlock = { description?: string; default?: unknown; type?: string };

/** The variable blocks exactly as an environment stack synthesizes them. */
function variablesOf(env: EnvironmentName): Record<string, VariableBlock> {
  const json = Testing.synthScope((scope) => {
    new StackVariables(scope, environmentConfig(env));
  });
  return (JSON.parse(json) as { variable: Record<string, VariableBlock> }).variable;
}

const variables = Object.fromEntries(ENVIRONMENT_NAMES.map((env) => [env, variablesOf(env)])) as Record<EnvironmentName, Record<string, VariableBlock>>;

/** Top-level `name = value` assignments of a tfvars file. */
function assignedNames(tfvars: string): string[] {
  return [...tfvars.matchAll(/^([a-z][a-z0-9_]*)\s*=/gm)].map((m) => m[1]);
}

/**
 * `terraform plan -var-file` on a configuration holding only the stack's variable blocks: Terraform
 * itself type-checks every value and runs every validation rule, offline, with no provider.
 */
function planWithVarFile(env: EnvironmentName, varFile: string): { status: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), `tfvars-${env}-`));
  try {
    writeFileSync(join(dir, 'variables.tf.json'), JSON.stringify({ variable: variables[env] }));
    const plan = spawnSync('terraform', ['plan', '-input=false', '-no-color', '-lock=false', `-var-file=${varFile}`], {
      cwd: dir,
      env: terraformEnv(),
      encoding: 'utf8',
    });
    return { status: plan.status, output: `${plan.stdout}${plan.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** These checks run Terraform itself (no provider needed); without it on the PATH they are skipped. */
const HAS_TERRAFORM = spawnSync('terraform', ['version'], { env: terraformEnv(), encoding: 'utf8' }).status === 0;
const itWithTerraform = HAS_TERRAFORM ? it : it.skip;
if (!HAS_TERRAFORM) console.warn('tfvars.test.ts: terraform is not on the PATH; the plan and fmt checks are skipped');

const EXAMPLES: ReadonlyArray<readonly [string, readonly EnvironmentName[]]> = [
  ['terraform.tfvars.example', ENVIRONMENT_NAMES],
  ['envs/dev.tfvars.example', ['dev']],
  ['envs/staging.tfvars.example', ['staging']],
  ['envs/prod.tfvars.example', ['prod']],
];

describe('tfvars examples', () => {
  it('declares the same variables in every environment stack', () => {
    // Assess
    expect(Object.keys(variables.staging).sort()).toEqual(Object.keys(variables.dev).sort());
    expect(Object.keys(variables.prod).sort()).toEqual(Object.keys(variables.dev).sort());
    expect(Object.keys(variables.prod).length).toBeGreaterThanOrEqual(14);
  });

  it('terraform.tfvars.example sets every variable once, under its description as a comment', () => {
    // Prepare
    const text = readFileSync(join(ROOT, 'terraform.tfvars.example'), 'utf8');
    const names = assignedNames(text);

    // Assess
    expect([...names].sort()).toEqual(Object.keys(variables.prod).sort());
    expect(new Set(names).size).toBe(names.length);
    for (const [name, block] of Object.entries(variables.prod)) {
      // The comment block right above the assignment starts with the description, verbatim.
      const above = new RegExp(`# ${escapeRegExp(block.description ?? '<no description>')}\\n(#[^\\n]*\\n)*${name}\\s*=`);
      expect({ name, documented: above.test(text) }).toEqual({ name, documented: true });
    }
  });

  itWithTerraform.each(EXAMPLES)('%s only sets declared variables, and Terraform accepts every value', (file, envs) => {
    // Prepare
    const path = join(ROOT, file);
    const names = assignedNames(readFileSync(path, 'utf8'));

    for (const env of envs) {
      // Act
      const plan = planWithVarFile(env, path);

      // Assess
      expect(names.filter((name) => !(name in variables[env]))).toEqual([]);
      expect({ env, status: plan.status, output: plan.status === 0 ? '' : plan.output }).toEqual({ env, status: 0, output: '' });
      expect(plan.output).not.toMatch(/does not declare a variable/);
    }
  });

  itWithTerraform('the validation rules reject a bad value (the plan check above has teeth)', () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'tfvars-bad-'));
    const bad = join(dir, 'bad.tfvars');
    writeFileSync(bad, 'output_transition_ia_days = 60\noutput_expiration_days = 45\n');

    try {
      // Act
      const plan = planWithVarFile('prod', bad);

      // Assess
      expect(plan.status).toBe(1);
      // Terraform wraps long messages: compare with whitespace collapsed.
      expect(plan.output.replace(/\s+/g, ' ')).toContain('output_expiration_days must be 0 (never) or greater than output_transition_ia_days.');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  itWithTerraform.each([
    ['dev', 7200],
    ['prod', 21600],
  ] as const)('%s: max_source_duration_seconds must be below the Transcode timeout (%i s); the plan error names both', (env, timeout) => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'tfvars-duration-'));
    const atTimeout = join(dir, 'at-timeout.tfvars');
    const below = join(dir, 'below.tfvars');
    writeFileSync(atTimeout, `max_source_duration_seconds = ${timeout}\n`);
    writeFileSync(below, `max_source_duration_seconds = ${timeout - 1}\n`);

    try {
      // Act
      const rejected = planWithVarFile(env, atTimeout);
      const accepted = planWithVarFile(env, below);

      // Assess
      expect(rejected.status).toBe(1);
      expect(rejected.output.replace(/\s+/g, ' ')).toContain(
        `max_source_duration_seconds must be at least 1 and below the Transcode task timeout (transcode_timeout_seconds = ${timeout} in ${env})`,
      );
      expect({ status: accepted.status, output: accepted.status === 0 ? '' : accepted.output }).toEqual({ status: 0, output: '' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  itWithTerraform.each(EXAMPLES.map(([file]) => file))('%s is terraform fmt clean', (file) => {
    // Prepare
    const text = readFileSync(join(ROOT, file), 'utf8');

    // Act
    const fmt = spawnSync('terraform', ['fmt', '-'], { input: text, env: terraformEnv(), encoding: 'utf8' });

    // Assess
    expect(fmt.status).toBe(0);
    expect(fmt.stdout).toBe(text);
  });

  it.each(EXAMPLES.map(([file]) => file))('%s uses only obvious placeholders (example.com, no account ids)', (file) => {
    // Prepare
    const text = readFileSync(join(ROOT, file), 'utf8');

    // Assess
    const emails = text.match(/[\w.+-]+@[\w.-]+/g) ?? [];
    expect(emails.filter((email) => !/@example\.com$/.test(email))).toEqual([]);
    const hosts = [...text.matchAll(/https?:\/\/([^/"\s]+)/g)].map((m) => m[1]);
    expect(hosts.filter((host) => !/(^|\.)example\.com$|^localhost(:\d+)?$/.test(host))).toEqual([]);
    expect((text.match(/\b\d{12}\b/g) ?? []).filter((id) => id !== '123456789012')).toEqual([]);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
