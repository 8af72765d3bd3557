import { requireEnv } from './config';
import { ConfigurationError } from './errors';
import type { JobOutputs } from './job';
import { parseS3Uri } from './s3-uri';

/**
 * Playback URLs of a finished job: the outputs as https:// URLs on the delivery distribution
 * (stacks/delivery.ts) or, locally, on the local delivery server (local/delivery.ts). The URL
 * path is the output object key (`/<jobId>/...`), so one base URL is all a handler needs.
 */
export interface Playback {
  /** HLS master manifest. */
  readonly hls?: string;
  /** DASH manifest (CMAF profiles). */
  readonly dash?: string;
  readonly mp4: readonly string[];
  readonly thumbnails: readonly string[];
}

/** Where playback is served, as the stack sets it on every function. */
export interface DeliverySettings {
  /** `https://d123.cloudfront.net` or the first custom domain (no trailing slash). */
  readonly baseUrl: string;
  /** Signed playback: only get-job (which holds the key) may return playback URLs. */
  readonly signed: boolean;
}

/** Reads DELIVERY_BASE_URL / DELIVERY_SIGNED_PLAYBACK; a malformed value is a named deployment error. */
export function deliverySettings(env: NodeJS.ProcessEnv = process.env): DeliverySettings | undefined {
  const baseUrl = env.DELIVERY_BASE_URL;
  if (baseUrl === undefined || baseUrl === '') return undefined;
  if (!/^https?:\/\/[^/?#\s]+$/.test(baseUrl)) {
    throw new ConfigurationError('Environment variable DELIVERY_BASE_URL must be an origin such as https://d111111abcdef8.cloudfront.net', {
      context: { variable: 'DELIVERY_BASE_URL' },
    });
  }
  const signed = env.DELIVERY_SIGNED_PLAYBACK ?? 'false';
  if (signed !== 'true' && signed !== 'false') {
    throw new ConfigurationError('Environment variable DELIVERY_SIGNED_PLAYBACK must be "true" or "false"', {
      context: { variable: 'DELIVERY_SIGNED_PLAYBACK' },
    });
  }
  return { baseUrl, signed: signed === 'true' };
}

/** deliverySettings for a handler that cannot work without it (publish): a missing base URL is a named error. */
export function requireDeliverySettings(env: NodeJS.ProcessEnv = process.env): DeliverySettings {
  requireEnv('DELIVERY_BASE_URL', env);
  return deliverySettings(env)!;
}

/** `s3://<output>/<jobId>/hls/x.m3u8` -> `<baseUrl>/<jobId>/hls/x.m3u8` (each key segment URL-encoded). */
export function playbackUrl(baseUrl: string, uri: string): string {
  const { key } = parseS3Uri(uri);
  return `${baseUrl}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

/** The playback URLs of a job's outputs. */
export function playbackFor(outputs: JobOutputs, baseUrl: string): Playback {
  const url = (uri: string) => playbackUrl(baseUrl, uri);
  return {
    ...(outputs.hls === undefined ? {} : { hls: url(outputs.hls) }),
    ...(outputs.dash === undefined ? {} : { dash: url(outputs.dash) }),
    mp4: outputs.mp4.map(url),
    thumbnails: outputs.thumbnails.map(url),
  };
}

/** Every URL of a playback, in a stable order (hls, dash, mp4, thumbnails). */
export function playbackUrls(playback: Playback): string[] {
  return [...(playback.hls === undefined ? [] : [playback.hls]), ...(playback.dash === undefined ? [] : [playback.dash]), ...playback.mp4, ...playback.thumbnails];
}

/** Applies `f` to every URL, keeping the shape. */
export function mapPlayback(playback: Playback, f: (url: string) => string): Playback {
  return {
    ...(playback.hls === undefined ? {} : { hls: f(playback.hls) }),
    ...(playback.dash === undefined ? {} : { dash: f(playback.dash) }),
    mp4: playback.mp4.map(f),
    thumbnails: playback.thumbnails.map(f),
  };
}
