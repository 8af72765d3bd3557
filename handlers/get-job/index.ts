import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { accessConfigFromEnv, type AccessConfig } from '../shared/caller';
import { intEnv, requireEnv } from '../shared/config';
import { documentClient } from '../shared/clients';
import { apiHandler } from '../shared/http';
import { DynamoJobStore } from '../shared/job-store';
import { logger } from '../shared/logger';
import { deliverySettings } from '../shared/playback';
import { getJob, type GetJobDelivery } from './get-job';
import { PlaybackSigner } from './signed-playback';
import { privateKeyReader } from './signing-key';

let deps: { store: DynamoJobStore; access: AccessConfig; delivery: GetJobDelivery } | undefined;

/** Signed playback when DELIVERY_SIGNED_PLAYBACK is true: the key pair id, key ARN and TTL must then be set. */
export function deliveryConfig(env: NodeJS.ProcessEnv = process.env): GetJobDelivery {
  const settings = deliverySettings(env);
  if (!settings?.signed) return { settings };
  let sm: SecretsManagerClient | undefined;
  let ssm: SSMClient | undefined;
  const readPrivateKey = privateKeyReader(requireEnv('DELIVERY_SIGNING_PRIVATE_KEY_ARN', env), {
    secretsManager: () => (sm ??= new SecretsManagerClient({})),
    ssm: () => (ssm ??= new SSMClient({})),
  });
  const signer = new PlaybackSigner(
    { keyPairId: requireEnv('DELIVERY_KEY_PAIR_ID', env), readPrivateKey, ttlSeconds: intEnv('DELIVERY_URL_TTL_SECONDS', 3600, env) },
    logger,
  );
  return { settings, signer };
}

export const handler = apiHandler('GET /jobs/{jobId}', (event, ctx) => {
  deps ??= { store: new DynamoJobStore(documentClient(), requireEnv('JOBS_TABLE_NAME')), access: accessConfigFromEnv(), delivery: deliveryConfig() };
  return getJob(event, ctx, deps.store, deps.access, deps.delivery);
});
