import { MalformedEvent } from '../shared/errors';
import { describeIssues, MAX_REPORTED_ISSUES, nonEmptyString, wholeCount } from '../shared/schemas';
import * as z from '../shared/zod';

/**
 * The EventBridge "Object Created" event S3 sends (the body of an ingest-queue message).
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html
 */
const objectCreatedSchema = z.object({
  source: z.literal('aws.s3'),
  'detail-type': z.literal('Object Created'),
  detail: z.object({
    bucket: z.object({ name: nonEmptyString() }),
    object: z.object({
      key: z.string(),
      size: z.optional(wholeCount()),
      etag: nonEmptyString(),
      'version-id': z.optional(nonEmptyString()),
    }),
  }),
});

export interface ObjectCreated {
  readonly bucket: string;
  /** As it appears in the event (possibly form-encoded); see s3-key.ts keyCandidates. */
  readonly rawKey: string;
  readonly size?: number;
  readonly etag: string;
  readonly versionId?: string;
}

/** Parses one queue message body; anything that is not an Object Created event for our bucket is MalformedEvent. */
export function parseObjectCreated(body: string, sourceBucket: string): ObjectCreated {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (err) {
    throw new MalformedEvent('Message body is not JSON', { cause: err });
  }
  const parsed = objectCreatedSchema.safeParse(json);
  if (!parsed.success) {
    throw new MalformedEvent('Message is not an S3 Object Created event', {
      context: { issues: describeIssues(parsed.error).slice(0, MAX_REPORTED_ISSUES) },
    });
  }
  const { bucket, object } = parsed.data.detail;
  if (bucket.name !== sourceBucket) {
    throw new MalformedEvent('Event is for another bucket', { context: { bucket: bucket.name, expected: sourceBucket } });
  }
  return { bucket: bucket.name, rawKey: object.key, size: object.size, etag: object.etag, versionId: object['version-id'] };
}
