/**
 * Where staging/prod keep Terraform state: the bucket the bootstrap stack
 * (`video-workflow-state`) creates. Configurable without code edits, in this order:
 * environment variables TF_STATE_BUCKET / TF_STATE_REGION / TF_STATE_KEY_PREFIX, then cdktf.json
 * context keys stateBucket / stateRegion / stateKeyPrefix, then the defaults below (enough to
 * synth on a fresh clone; set your own bucket name before the first deploy: bucket names are global).
 */
import { ConfigError } from './config';
export interface StateBackendSettings {
  readonly bucket: string;
  readonly region: string;
  readonly keyPrefix: string;
}

export const DEFAULT_STATE_BACKEND: StateBackendSettings = {
  bucket: 'video-workflow-terraform-state',
  region: 'us-east-1',
  keyPrefix: 'video-workflow/',
};

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
  const settings = {
    bucket: pick('TF_STATE_BUCKET', 'stateBucket', DEFAULT_STATE_BACKEND.bucket),
    region: pick('TF_STATE_REGION', 'stateRegion', DEFAULT_STATE_BACKEND.region),
    keyPrefix: pick('TF_STATE_KEY_PREFIX', 'stateKeyPrefix', DEFAULT_STATE_BACKEND.keyPrefix),
  };
  if (!BUCKET_NAME.test(settings.bucket) || settings.bucket.includes('..') || /^\d+\.\d+\.\d+\.\d+$/.test(settings.bucket)) {
    throw new ConfigError(
      `TF_STATE_BUCKET (context stateBucket) "${settings.bucket}" is not a valid S3 bucket name: ` +
        '3-63 characters, lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit.',
    );
  }
  if (!REGION.test(settings.region)) {
    throw new ConfigError(`TF_STATE_REGION (context stateRegion) "${settings.region}" is not an AWS Region code such as us-east-1.`);
  }
  if (settings.keyPrefix.startsWith('/') || (settings.keyPrefix !== '' && !settings.keyPrefix.endsWith('/'))) {
    throw new ConfigError(`TF_STATE_KEY_PREFIX (context stateKeyPrefix) "${settings.keyPrefix}" must be empty or a relative prefix ending in "/".`);
  }
  return settings;
}
