import { getSignedUrl } from '@aws-sdk/cloudfront-signer';
import { ConfigurationError, PlaybackSigningFailed, errorName } from '../shared/errors';
import type { LogSink } from '../shared/logger';
import { mapPlayback, playbackUrls, type Playback } from '../shared/playback';
import type { PlaybackSignature, PublicPlayback } from '../shared/public-job';

/**
 * Signed playback for GET /jobs/{jobId}. One CloudFront custom policy per response whose
 * Resource is a wildcard on the job's prefix (`https://<domain>/<jobId>/*`), signed with
 * @aws-sdk/cloudfront-signer: the same Policy/Signature/Key-Pair-Id then authorises the master
 * manifest, every rendition manifest, every segment, the MP4s and the thumbnails. HLS players
 * resolve the relative URLs inside a manifest without the query string, so the response also
 * carries the query string for the player to append to every request.
 * Custom policies and wildcards: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-creating-signed-url-custom-policy.html
 * ("Create a signed URL using a custom policy"); an expired or tampered URL is refused by
 * CloudFront with 403.
 */

/** Reads the PEM private key (Secrets Manager secret or SSM SecureString); see signing-key.ts. */
export type PrivateKeyReader = () => Promise<string>;

export interface SignerConfig {
  /** CloudFront public key id (`K2...`), the Key-Pair-Id of every signature. */
  readonly keyPairId: string;
  readonly readPrivateKey: PrivateKeyReader;
  /** Lifetime of the signature (delivery_url_ttl_seconds). */
  readonly ttlSeconds: number;
  readonly now?: () => Date;
}

/** The custom policy document for one job's prefix, expiring at `expiresEpoch` (seconds). */
export function jobPolicy(resource: string, expiresEpoch: number): string {
  return JSON.stringify({ Statement: [{ Resource: resource, Condition: { DateLessThan: { 'AWS:EpochTime': expiresEpoch } } }] });
}

/** `https://host/<jobId>/*` from any URL of the job (all URLs of a job share the origin and prefix). */
export function jobResource(url: string, jobId: string): string {
  const { origin } = new URL(url);
  return `${origin}/${jobId}/*`;
}

export class PlaybackSigner {
  constructor(
    private readonly config: SignerConfig,
    private readonly log: LogSink,
  ) {
    if (!/^[A-Z0-9]{8,128}$/.test(config.keyPairId)) {
      throw new ConfigurationError('Environment variable DELIVERY_KEY_PAIR_ID must be a CloudFront public key id', { context: { variable: 'DELIVERY_KEY_PAIR_ID' } });
    }
  }

  /** Signs every URL of `playback`; throws PlaybackSigningFailed (never returns unsigned URLs). */
  async sign(jobId: string, playback: Playback): Promise<PublicPlayback> {
    const urls = playbackUrls(playback);
    if (urls.length === 0) return playback;
    let privateKey: string;
    try {
      privateKey = await this.config.readPrivateKey();
    } catch (err) {
      this.log.error('Playback signing failed', { errorName: 'PlaybackSigningFailed', reason: 'key unreadable', cause: errorName(err), jobId });
      throw new PlaybackSigningFailed('The playback signing key cannot be read', { cause: err, context: { jobId } });
    }
    const expiresEpoch = Math.floor((this.config.now ?? (() => new Date()))().getTime() / 1000) + this.config.ttlSeconds;
    const resource = jobResource(urls[0], jobId);
    let signed: string;
    try {
      signed = getSignedUrl({ url: resource, keyPairId: this.config.keyPairId, privateKey, policy: jobPolicy(resource, expiresEpoch) });
    } catch (err) {
      this.log.error('Playback signing failed', { errorName: 'PlaybackSigningFailed', reason: 'key invalid', cause: errorName(err), jobId });
      throw new PlaybackSigningFailed('The playback signing key cannot sign', { cause: err, context: { jobId } });
    }
    // The signer's own query string, verbatim (CloudFront-safe base64: no encoding needed).
    const queryString = signed.slice(signed.indexOf('?') + 1);
    const params = new URLSearchParams(queryString);
    const query = { Policy: params.get('Policy') ?? '', Signature: params.get('Signature') ?? '', 'Key-Pair-Id': params.get('Key-Pair-Id') ?? '' };
    const signature: PlaybackSignature = { expiresAt: new Date(expiresEpoch * 1000).toISOString(), queryString, query };
    return { ...mapPlayback(playback, (url) => `${url}${url.includes('?') ? '&' : '?'}${queryString}`), signature };
  }
}
