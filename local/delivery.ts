/**
 * Where the local run "delivers" outputs: `npm run local:serve` serves the local output bucket on
 * 127.0.0.1 under the same paths as the CloudFront distribution (URL path = output object key,
 * `/<jobId>/...`), so a local job's `playback` URLs open in a player as the cloud ones do.
 */
export const LOCAL_DELIVERY_HOST = '127.0.0.1';

/** Default port of `npm run local:serve` (override with `--port` / LOCAL_DELIVERY_PORT). */
export const LOCAL_DELIVERY_PORT = 8750;

/** The base URL of local playback links for a server on `port`. */
export function localDeliveryBaseUrl(port: number = LOCAL_DELIVERY_PORT): string {
  return `http://${LOCAL_DELIVERY_HOST}:${port}`;
}
