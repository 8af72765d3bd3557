import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Testing } from 'cdktf';
import { environmentConfig } from '../../stacks/config';
import { StackVariables } from '../../stacks/variables';

const ROOT = join(__dirname, '..', '..');

type VariableBlock = { validation?: { condition: string }[] };

const variables = (
  JSON.parse(
    Testing.synthScope((scope) => {
      new StackVariables(scope, environmentConfig('prod'));
    }),
  ) as { variable: Record<string, VariableBlock> }
).variable;

/** `# ... Allowed: 3-60 ...` comment lines, each with the variable assigned below its comment block. */
function documentedRanges(text: string): { name: string; min: number; max: number }[] {
  return [...text.matchAll(/^# [^\n]*Allowed: (\d+)-(\d+)[^\n]*\n(?:#[^\n]*\n)*([a-z][a-z0-9_]*)\s*=/gm)].map((m) => ({
    name: m[3],
    min: Number(m[1]),
    max: Number(m[2]),
  }));
}

describe('ranges documented in the tfvars examples', () => {
  // The example once said 3-900 for lambda_timeout_seconds while the validation allowed 3-60.
  it.each(['terraform.tfvars.example', 'envs/dev.tfvars.example', 'envs/staging.tfvars.example', 'envs/prod.tfvars.example'])(
    '%s: every "Allowed: a-b" is the variable validation bounds',
    (file) => {
      const ranges = documentedRanges(readFileSync(join(ROOT, file), 'utf8'));
      for (const { name, min, max } of ranges) {
        const conditions = (variables[name]?.validation ?? []).map((v) => v.condition).join(' ');
        expect({ name, min: conditions.includes(`>= ${min}`), max: conditions.includes(`<= ${max}`) }).toEqual({ name, min: true, max: true });
      }
      if (file === 'terraform.tfvars.example') expect(ranges.map((r) => r.name)).toContain('lambda_timeout_seconds');
    },
  );
});
