import { restoreRequiredVersion } from '../../scripts/synth-hcl';
import { REQUIRED_TERRAFORM_VERSION } from '../../stacks/lib/terraform-settings';
import { STATE_STACK, synthApp, WORKFLOW_STACKS, type StackName } from '../helpers/synth';

describe('Terraform settings of every stack (stacks/lib/terraform-settings.ts)', () => {
  const app = synthApp();
  const stacks: StackName[] = [STATE_STACK, ...WORKFLOW_STACKS];

  it.each(stacks)('%s requires Terraform >= 1.10 (S3 use_lockfile)', (name) => {
    expect(app.stack(name).json.terraform?.required_version).toBe('>= 1.10');
    expect(REQUIRED_TERRAFORM_VERSION).toBe('>= 1.10');
  });

  it.each(stacks)('%s merges var.tags under its own tags in the provider default_tags', (name) => {
    const { provider, variable } = app.stack(name).json;
    const tags = (provider?.aws as { default_tags: { tags: string }[] }[])[0].default_tags[0].tags;
    // merge(): later maps win, so the stack's own tags cannot be replaced by var.tags.
    expect(tags).toMatch(/^\$\{merge\(var\.tags, \{"Application" = "video-workflow", .*"ManagedBy" = "cdktf"\}\)\}$/);
    expect(variable?.tags).toEqual(expect.objectContaining({ type: 'map(string)', default: {}, description: expect.stringContaining('default_tags') }));
    const conditions = (variable?.tags?.validation as { condition: string }[]).map((v) => v.condition).join('\n');
    expect(conditions).toContain('!startswith(lower(k), "aws:")');
    expect(conditions).toContain('setintersection(keys(var.tags), ["Application","Environment","ManagedBy","Purpose"])');
  });
});

describe('synth:hcl repair of required_version (cdktf 0.21 renders it as `0 = "required_version"`)', () => {
  const rendered = 'terraform {\nrequired_providers {\n}\nbackend "local" {\npath = "x"\n}\n\n  0 = "required_version"\n}\n';

  it('writes the attribute back from the JSON and drops the bogus line', () => {
    expect(restoreRequiredVersion(rendered, { terraform: { required_version: '>= 1.10' } })).toBe(
      'terraform {\nrequired_version = ">= 1.10"\nrequired_providers {\n}\nbackend "local" {\npath = "x"\n}\n\n}\n',
    );
  });

  it('leaves HCL that already has it (a fixed renderer) alone', () => {
    const fixed = 'terraform {\nrequired_version = ">= 1.10"\n}\n';
    expect(restoreRequiredVersion(fixed, { terraform: { required_version: '>= 1.10' } })).toBe(fixed);
  });
});
