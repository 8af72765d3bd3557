import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { ConfigurationError } from '../shared/errors';

/** The two SDK calls a key reader may make (narrow, so tests stub them). */
export interface KeyStores {
  readonly secretsManager: () => Pick<SecretsManagerClient, 'send'>;
  readonly ssm: () => Pick<SSMClient, 'send'>;
}

/** How long a read key is reused: a rotated key (new public key in the key group) is picked up within this time. */
export const KEY_CACHE_MS = 5 * 60 * 1000;

/**
 * Reads the PEM private key from the ARN in delivery_signing_private_key_arn: a Secrets Manager
 * secret (SecretString) or an SSM SecureString parameter (GetParameter WithDecryption). The key
 * lives only in this container's memory, cached for KEY_CACHE_MS; it never enters Terraform state.
 */
export function privateKeyReader(arn: string, stores: KeyStores, now: () => number = Date.now): () => Promise<string> {
  const ssm = /^arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{12}:parameter(\/.+)$/.exec(arn);
  const secret = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/.test(arn);
  if (!ssm && !secret) {
    throw new ConfigurationError('Environment variable DELIVERY_SIGNING_PRIVATE_KEY_ARN must be a Secrets Manager secret or SSM parameter ARN', {
      context: { variable: 'DELIVERY_SIGNING_PRIVATE_KEY_ARN' },
    });
  }
  let cached: { pem: string; at: number } | undefined;
  const read = async (): Promise<string | undefined> => {
    if (ssm) {
      const out = await stores.ssm().send(new GetParameterCommand({ Name: ssm[1], WithDecryption: true }));
      return out.Parameter?.Value;
    }
    const out = await stores.secretsManager().send(new GetSecretValueCommand({ SecretId: arn }));
    return out.SecretString;
  };
  return async () => {
    if (cached && now() - cached.at < KEY_CACHE_MS) return cached.pem;
    const pem = await read();
    if (pem === undefined || !/-----BEGIN (RSA )?PRIVATE KEY-----/.test(pem)) {
      throw new ConfigurationError('The playback signing key is not a PEM private key', { context: { variable: 'DELIVERY_SIGNING_PRIVATE_KEY_ARN' } });
    }
    cached = { pem, at: now() };
    return pem;
  };
}
