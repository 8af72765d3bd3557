import { Fn, TerraformStack, TerraformVariable, Token } from 'cdktf';
import { Construct } from 'constructs';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';

/**
 * Terraform 1.10 added S3-native state locking (`use_lockfile`), which the staging and prod
 * backends use; an older CLI would ignore the lock and let two applies run at once.
 * https://developer.hashicorp.com/terraform/language/backend/s3 ("State Locking": "use_lockfile ... Terraform v1.10+")
 */
export const REQUIRED_TERRAFORM_VERSION = '>= 1.10';

/** Tags the stacks set themselves; `var.tags` may add others but not replace these. */
export const PROJECT_TAG_KEYS = ['Application', 'Environment', 'ManagedBy', 'Purpose'] as const;

/**
 * `tags`: extra tags for every resource of a stack (cost centre, owner, data class), merged into
 * the provider's default_tags. Limits from the AWS tagging rules: keys up to 128 characters,
 * values up to 256, no `aws:` prefix (reserved), at most 50 tags per resource.
 * https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html ("Tag naming limits and requirements")
 */
export function tagsVariable(scope: Construct): TerraformVariable {
  return new TerraformVariable(scope, 'tags', {
    type: 'map(string)',
    default: {},
    description: 'Extra tags for every resource of this stack (merged into the AWS provider default_tags), e.g. { CostCenter = "media" }.',
    validation: [
      {
        condition: '${alltrue([for k, v in var.tags : length(k) >= 1 && length(k) <= 128 && length(v) <= 256 && !startswith(lower(k), "aws:")])}',
        errorMessage: 'tags: keys must be 1-128 characters and must not start with "aws:"; values at most 256 characters.',
      },
      {
        condition: `\${length(setintersection(keys(var.tags), ${JSON.stringify(PROJECT_TAG_KEYS)})) == 0}`,
        errorMessage: `tags must not set ${PROJECT_TAG_KEYS.join(', ')}: the stack sets them.`,
      },
      {
        // The stack's own tags (up to 3) count towards AWS's 50 per resource.
        condition: '${length(var.tags) <= 45}',
        errorMessage: 'tags: at most 45 entries (AWS allows 50 tags per resource; the stack sets its own).',
      },
    ],
  });
}

export interface ProjectProviderProps {
  /** Region of every resource (a variable token or a literal). */
  readonly region: string;
  /** The stack's own tags (keys from PROJECT_TAG_KEYS). */
  readonly projectTags: Readonly<Record<string, string>>;
  /** `var.tags`, merged under the project tags. */
  readonly tags: TerraformVariable;
}

/**
 * Every stack's AWS provider and Terraform settings: required_version, and default_tags =
 * merge(var.tags, the stack's own tags) so an operator's tags reach every resource without code.
 */
export function projectProvider(stack: TerraformStack, props: ProjectProviderProps): AwsProvider {
  const unknown = Object.keys(props.projectTags).filter((k) => !(PROJECT_TAG_KEYS as readonly string[]).includes(k));
  if (unknown.length > 0) throw new Error(`projectProvider: projectTags ${unknown.join(', ')} not in PROJECT_TAG_KEYS (var.tags validation relies on that list)`);
  stack.addOverride('terraform.required_version', REQUIRED_TERRAFORM_VERSION);
  return new AwsProvider(stack, 'aws', {
    region: props.region,
    defaultTags: [{ tags: Token.asStringMap(Fn.merge([props.tags.value, { ...props.projectTags }])) }],
  });
}
