import { TerraformElement, TerraformResource, TerraformDataSource } from 'cdktf';

/**
 * Physical names in one place: `names.of('extract-metadata')` -> `video-workflow-prod-extract-metadata`.
 * Buckets add `<account>-<region>` (a token) because bucket names are global.
 */
export class Names {
  /** e.g. `video-workflow-prod`. */
  readonly prefix: string;

  constructor(
    readonly app: string,
    readonly environment: string,
    private readonly accountAndRegion: string,
  ) {
    this.prefix = `${app}-${environment}`;
  }

  /** A resource name unique within the account and region. */
  of(suffix: string): string {
    return `${this.prefix}-${suffix}`;
  }

  /** A globally unique bucket name (S3 bucket names are global). */
  bucket(suffix: string): string {
    return `${this.prefix}-${suffix}-${this.accountAndRegion}`;
  }
}

/**
 * Gives a resource a readable, stable Terraform address (`aws_s3_bucket.source`) instead of
 * the construct-path-plus-hash cdktf generates for nested constructs. Terraform teams review
 * and `terraform import` by address, so addresses are API: renaming one needs a `moved` block.
 */
export function address<T extends TerraformResource | TerraformDataSource | TerraformElement>(element: T, logicalId: string): T {
  if (!/^[a-z][a-z0-9_]*$/.test(logicalId)) {
    throw new Error(`Terraform address "${logicalId}" must be snake_case (a-z, 0-9, _)`);
  }
  element.overrideLogicalId(logicalId);
  return element;
}

/** `extract-metadata` -> `extract_metadata`. */
export function snake(name: string): string {
  return name.replace(/[^a-zA-Z0-9]+/g, '_').replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}
