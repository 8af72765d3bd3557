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

/**
 * Characters that make a key display as something it is not, or break log and CSV lines: C1
 * controls (U+0080-U+009F), the Unicode line and paragraph separators (U+2028, U+2029), and the
 * bidirectional embedding/override (U+202A-U+202E) and isolate (U+2066-U+2069) controls of
 * "Trojan Source" (CVE-2021-42574); Unicode general category Cc/Zl/Zp and the Bidi_Control set.
 */
const INVISIBLE_OR_REORDERING = /[\u0080-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

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
  const hidden = INVISIBLE_OR_REORDERING.exec(key)?.[0];
  if (hidden !== undefined) {
    const codePoint = `U+${hidden.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
    reject(`the key contains ${codePoint} (a C1 control, line/paragraph separator or bidirectional control)`, { codePoint });
  }
  if (rules.prefix !== '' && !key.startsWith(rules.prefix)) {
    reject(`the key is outside the prefix "${rules.prefix}"`, { prefix: rules.prefix });
  }
  const extension = extensionOf(key);
  if (!rules.allowedExtensions.includes(extension)) {
    const found = extension === '' ? 'the key has no extension' : `extension "${extension}" is not allowed`;
    reject(`${found}; allowed: ${rules.allowedExtensions.join(', ')}`, { extension });
  }
}
