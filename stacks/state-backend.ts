/**
 * Where staging/prod keep Terraform state: the bucket the bootstrap stack
 * (`video-workflow-state`) creates. Configurable without code edits, in this order:
 * environment variables TF_STATE_BUCKET / TF_STATE_REGION / TF_STATE_KEY_PREFIX, then cdktf.json
 * context keys stateBucket / stateRegion / stateKeyPrefix, then the defaults below.
 *
 * The bucket has NO default (issue #20, point 6): bucket names are global, so a fixed default
 * is a name anyone can create first. Bootstrapping with it then fails with BucketAlreadyExists
 * and, worse, a backend pointing at a bucket someone else owns sends them the state (which holds
 * every resource attribute) if their bucket policy lets it in. Without a name, the bootstrap
 * stack names its bucket after the account and region at plan time (see StateBucketStack), and
 * staging/prod are not synthesized (a plain `npm run synth` still works: bootstrap and dev need
 * no name); asked for explicitly, they refuse with a message naming the settings.
 */
export interface StateBackendSettings {
  /** undefined: not configured (see above). */
  readonly bucket?: string;
  readonly region: string;
  readonly keyPrefix: string;
}

export const DEFAULT_STATE_BACKEND: Omit<StateBackendSettings, 'bucket'> = {
  region: 'us-east-1',
  keyPrefix: 'video-workflow/',
};

/** What earlier versions fell back to; refused like a missing name. */
export const FORMER_DEFAULT_STATE_BUCKET = 'video-workflow-terraform-state';

/** How the bootstrap stack names the bucket when none is configured (Terraform expression parts). */
export const DERIVED_STATE_BUCKET_PREFIX = 'video-workflow-tfstate';

/** The S3-backed stacks need a bucket of their own; the message names the settings and the way out. */
export function requireStateBucket(settings: StateBackendSettings, stack: string): string {
  if (settings.bucket !== undefined) return settings.bucket;
  throw new Error(
    `${stack} keeps its Terraform state in S3 and needs the state bucket's name: set TF_STATE_BUCKET ` +
      '(or cdktf.json context "stateBucket") to a bucket you own, for example the state_bucket_name output of ' +
      '`cdktf deploy video-workflow-state` (docs/terraform-teams.md, "First deploy"). There is no default: bucket ' +
      'names are global, and a default anyone can create would fail with BucketAlreadyExists or send your state to their bucket.',
  );
}

const BUCKET_NAME = /^(?!xn--)(?!sthree-)(?!.*-s3alias$)(?!.*--ol-s3$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const REGION = /^[a-z]{2}(-gov)?-[a-z]+-[0-9]$/;

export function resolveStateBackend(
  context: (key: string) => unknown,
  env: NodeJS.ProcessEnv = process.env,
): StateBackendSettings {
  const pick = (envName: string, contextKey: string, fallback: string): string => {
    const fromEnv = env[envName];
    if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
    const fromContext = context(contextKey);
    if (typeof fromContext === 'string' && fromContext !== '') return fromContext;
    return fallback;
  };
  const bucket = pick('TF_STATE_BUCKET', 'stateBucket', '');
  const settings = {
    ...(bucket === '' ? {} : { bucket }),
    region: pick('TF_STATE_REGION', 'stateRegion', DEFAULT_STATE_BACKEND.region),
    keyPrefix: pick('TF_STATE_KEY_PREFIX', 'stateKeyPrefix', DEFAULT_STATE_BACKEND.keyPrefix),
  };
  if (bucket !== '' && (!BUCKET_NAME.test(bucket) || bucket.includes('..') || /^\d+\.\d+\.\d+\.\d+$/.test(bucket))) {
    throw new Error(
      `TF_STATE_BUCKET (context stateBucket) "${bucket}" is not a valid S3 bucket name: ` +
        '3-63 characters, lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit.',
    );
  }
  if (bucket === FORMER_DEFAULT_STATE_BUCKET) {
    throw new Error(
      `TF_STATE_BUCKET (context stateBucket) "${bucket}" is the project's former default, a global name anyone can own: ` +
        'choose a bucket name of your own (docs/terraform-teams.md, "First deploy").',
    );
  }
  if (!REGION.test(settings.region)) {
    throw new Error(`TF_STATE_REGION (context stateRegion) "${settings.region}" is not an AWS Region code such as us-east-1.`);
  }
  if (settings.keyPrefix.startsWith('/') || (settings.keyPrefix !== '' && !settings.keyPrefix.endsWith('/'))) {
    throw new Error(`TF_STATE_KEY_PREFIX (context stateKeyPrefix) "${settings.keyPrefix}" must be empty or a relative prefix ending in "/".`);
  }
  return settings;
}
