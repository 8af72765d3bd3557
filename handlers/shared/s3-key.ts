import { InvalidSourceKey, MalformedEvent } from './errors';

/** S3's limit on a key, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 1024;

/**
 * Decodes a key the way S3 encodes it in event notifications (SQS/SNS/Lambda): HTML-form
 * encoding, so `+` is a space and a literal `+` arrives as `%2B`.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
 */
export function decodeEventKey(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch (err) {
    throw new MalformedEvent('Object key is not valid URL-form encoding', { cause: err, context: { rawKey: raw } });
  }
}

/**
 * Ordered, distinct keys the raw event key may stand for: [form-decoded, raw]. EventBridge's
 * `detail.object.key` is not clearly documented as encoded or not, so callers try each and keep
 * the one whose HeadObject matches the event's ETag / version. A raw key that is not valid
 * form encoding (e.g. `100%.mp4`) can only be literal.
 */
export function keyCandidates(rawKeyFromEvent: string): string[] {
  let decoded: string | undefined;
  try {
    decoded = decodeEventKey(rawKeyFromEvent);
  } catch {
    decoded = undefined;
  }
  return decoded === undefined || decoded === rawKeyFromEvent ? [rawKeyFromEvent] : [decoded, rawKeyFromEvent];
}

/** Lower-case extension of the last path segment, without the dot; '' when there is none. */
export function extensionOf(key: string): string {
  const name = key.slice(key.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? '' : name.slice(dot + 1).toLowerCase();
}

export interface SourceKeyRules {
  /** Lower-case extensions without the dot. */
  readonly allowedExtensions: readonly string[];
  /** Required key prefix; '' accepts any key. */
  readonly prefix: string;
}

// eslint-disable-next-line no-control-regex -- matching control characters is the point: keys with them are rejected
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/** Throws InvalidSourceKey naming what is wrong with the key. */
export function validateSourceKey(key: string, rules: SourceKeyRules): void {
  const reject = (reason: string, extra: Record<string, unknown> = {}): never => {
    throw new InvalidSourceKey(`Invalid source key: ${reason}`, { context: { key: key.slice(0, 200), ...extra } });
  };
  if (key.length === 0) reject('the key is empty');
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes > MAX_KEY_BYTES) reject(`the key is ${bytes} bytes long (UTF-8), the limit is ${MAX_KEY_BYTES}`, { bytes });
  if (key.startsWith('/')) reject('the key starts with "/"');
  if (key.split('/').includes('..')) reject('the key contains a ".." path segment');
  if (CONTROL_CHARACTERS.test(key)) reject('the key contains control characters');
  if (rules.prefix !== '' && !key.startsWith(rules.prefix)) {
    reject(`the key is outside the prefix "${rules.prefix}"`, { prefix: rules.prefix });
  }
  const extension = extensionOf(key);
  if (!rules.allowedExtensions.includes(extension)) {
    const found = extension === '' ? 'the key has no extension' : `extension "${extension}" is not allowed`;
    reject(`${found}; allowed: ${rules.allowedExtensions.join(', ')}`, { extension });
  }
}
