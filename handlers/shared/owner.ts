import { createHash } from 'node:crypto';

/**
 * Who a job or an upload belongs to. The owner is a short, URL-safe id derived from the
 * caller's identity (never the raw JWT `sub` or IAM ARN, which would put an email-like subject or
 * an account id into keys and public views), or one of the two fixed owners below.
 */

/** Direct writes to the source bucket (operators, the seed's upload and batch flows). */
export const SYSTEM_OWNER = 'system';
/** The local run (`npm run local`). */
export const LOCAL_OWNER = 'local';

/** `o-` and 24 lowercase hex characters (96 bits of sha256): never equal to a fixed owner. */
export const OWNER_ID_PATTERN = /^o-[0-9a-f]{24}$/;

/** Every owner a job record may carry. */
export function isOwner(value: string): boolean {
  return value === SYSTEM_OWNER || value === LOCAL_OWNER || OWNER_ID_PATTERN.test(value);
}

/** The owner id of a normalised principal (see caller.ts): stable across requests, tokens and sessions. */
export function ownerIdOf(principal: string): string {
  return `o-${createHash('sha256').update(principal, 'utf8').digest('hex').slice(0, 24)}`;
}

/** Where POST /uploads puts files: `uploads/<owner-id>/<uuid>/<file name>`. */
export const UPLOAD_PREFIX = 'uploads/';

/** The key prefix that belongs to one owner; a non-admin caller may start jobs only below it. */
export function ownerUploadPrefix(owner: string): string {
  return `${UPLOAD_PREFIX}${owner}/`;
}

const UPLOAD_KEY = /^uploads\/(o-[0-9a-f]{24})\/([^/]+)\/[^/]+$/;

/** True when `key` has the shape POST /uploads gives out (an upload reservation may exist for it). */
export function isUploadKey(key: string): boolean {
  return UPLOAD_KEY.test(key);
}

/**
 * The owner of a job started from `key`: the owner id of an upload key, else `system` (an object
 * written to the bucket directly, by someone with write access to the bucket).
 */
export function ownerOfKey(key: string): string {
  return UPLOAD_KEY.exec(key)?.[1] ?? SYSTEM_OWNER;
}
