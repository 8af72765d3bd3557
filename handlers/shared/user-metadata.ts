import { InvalidJobMetadata } from './errors';
import type { UserMetadata } from './job';
import * as z from './zod';

/**
 * Bounds of a job's metadata pairs. They travel as S3 user metadata on presigned uploads (one
 * `x-amz-meta-job-<key>` header per pair; S3 allows 2 KB of user metadata in all and lowercases
 * the names), into MediaConvert's UserMetadata and into the completion event, so keys are
 * lowercase header-safe names and values printable ASCII. 10 x (32 + 128) = 1.6 KB.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingMetadata.html (Working with object metadata)
 */
export const MAX_METADATA_PAIRS = 10;
export const MAX_METADATA_KEY_CHARS = 32;
export const MAX_METADATA_VALUE_CHARS = 128;
/** Keys the workflow writes into UserMetadata itself. */
export const RESERVED_METADATA_KEYS: readonly string[] = ['jobid', 'workflow', 'profile'];
/** The S3 user-metadata prefix of a pair on an uploaded object (after S3's `x-amz-meta-`). */
export const OBJECT_METADATA_PAIR_PREFIX = 'job-';

const KEY = /^[a-z0-9][a-z0-9_-]*$/;
const VALUE = /^[\x20-\x7e]*$/;

/** Checks each key and value itself, so an error names the offending key (zod's record keys report only "Invalid key"). */
export const userMetadataSchema = z.record(z.string(), z.string()).check(
  z.superRefine((pairs, ctx) => {
    const entries = Object.entries(pairs);
    if (entries.length > MAX_METADATA_PAIRS) ctx.addIssue({ code: 'custom', message: `at most ${MAX_METADATA_PAIRS} pairs (got ${entries.length})` });
    for (const [key, value] of entries) {
      const problem =
        key.length > MAX_METADATA_KEY_CHARS ? `keys must be at most ${MAX_METADATA_KEY_CHARS} characters`
        : !KEY.test(key) ? 'keys must be lowercase letters, digits, "-" or "_", starting with a letter or digit'
        : RESERVED_METADATA_KEYS.includes(key) ? `keys ${RESERVED_METADATA_KEYS.join(', ')} are reserved`
        : value.length > MAX_METADATA_VALUE_CHARS ? `values must be at most ${MAX_METADATA_VALUE_CHARS} characters`
        : !VALUE.test(value) ? 'values must be printable ASCII'
        : undefined;
      if (problem !== undefined) ctx.addIssue({ code: 'custom', path: [key.slice(0, 64)], message: problem });
    }
  }),
);

/** The pairs as S3 user metadata fields of a presigned POST (`x-amz-meta-job-<key>`). */
export function toObjectMetadataFields(pairs: UserMetadata): Record<string, string> {
  return Object.fromEntries(Object.entries(pairs).map(([k, v]) => [`x-amz-meta-${OBJECT_METADATA_PAIR_PREFIX}${k}`, v]));
}

/**
 * The pairs of an uploaded object (HeadObject's `Metadata`, names without `x-amz-meta-`).
 * Pairs out of bounds are InvalidJobMetadata naming the problem (the ingest rejects the source).
 */
export function fromObjectMetadata(metadata: Readonly<Record<string, string>> | undefined): UserMetadata {
  const pairs = Object.fromEntries(
    Object.entries(metadata ?? {})
      .filter(([k]) => k.toLowerCase().startsWith(OBJECT_METADATA_PAIR_PREFIX))
      .map(([k, v]) => [k.toLowerCase().slice(OBJECT_METADATA_PAIR_PREFIX.length), v]),
  );
  const parsed = userMetadataSchema.safeParse(pairs);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue?.path[0] === undefined ? '*' : String(issue.path[0]);
    throw new InvalidJobMetadata(`x-amz-meta-${OBJECT_METADATA_PAIR_PREFIX}${key}: ${issue?.message ?? 'invalid'}`, {
      context: { field: `x-amz-meta-${OBJECT_METADATA_PAIR_PREFIX}*`, keys: Object.keys(pairs).slice(0, MAX_METADATA_PAIRS + 1) },
    });
  }
  return parsed.data;
}
