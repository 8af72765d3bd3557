import type { PresignedPost, PresignedPostOptions } from '@aws-sdk/s3-presigned-post';
import { callerOf, type AccessConfig } from '../shared/caller';
import { ConfigurationError, InvalidRequest, UnsupportedMedia, UploadTooLarge } from '../shared/errors';
import { parseWith, readJsonBody, type ApiEvent, type HttpResponse, type RequestContext } from '../shared/http';
import { chooseProfile, OPEN_PROFILE_POLICY, profilePolicyFromEnv, type ProfilePolicy } from '../plan-transcode/profiles/choice';
import { toObjectMetadataFields, userMetadataSchema } from '../shared/user-metadata';
import type { UploadReservation } from '../shared/limits';
import { ownerUploadPrefix } from '../shared/owner';
import { nonEmptyString } from '../shared/schemas';
import * as z from '../shared/zod';

/**
 * Content types accepted per file extension. The presigned POST pins Content-Type, so the
 * stored object carries a type that matches its extension.
 */
export const CONTENT_TYPES_BY_EXTENSION: Readonly<Record<string, readonly string[]>> = {
  mp4: ['video/mp4'],
  m4v: ['video/x-m4v', 'video/mp4'],
  mov: ['video/quicktime'],
  mkv: ['video/x-matroska'],
  webm: ['video/webm'],
  avi: ['video/x-msvideo', 'video/avi', 'video/msvideo'],
  mxf: ['application/mxf', 'video/mxf'],
  ts: ['video/mp2t'],
  m2ts: ['video/mp2t'],
  mpg: ['video/mpeg'],
  mpeg: ['video/mpeg'],
  wmv: ['video/x-ms-wmv'],
  flv: ['video/x-flv'],
  '3gp': ['video/3gpp'],
};

export interface UploadConfig {
  readonly sourceBucket: string;
  /** Table of upload reservations (handlers/shared/limits.ts). */
  readonly uploadsTable: string;
  readonly maxUploadBytes: number;
  /** Lowercase, no dot. */
  readonly allowedExtensions: readonly string[];
  readonly expiresSeconds: number;
  /** Default and allowed encoding profiles. @default every shipped profile, `standard` by default */
  readonly profiles?: ProfilePolicy;
  readonly access: AccessConfig;
}

export interface UploadDeps {
  readonly presign: (options: PresignedPostOptions) => Promise<PresignedPost>;
  /** Writes the reservation before the form exists, so every form has one. */
  readonly reserve: (reservation: UploadReservation) => Promise<void>;
  readonly now: () => Date;
  readonly uuid: () => string;
}

/** File names are kept readable but reduced to characters safe in an S3 key and a URL. */
const MAX_FILENAME_CHARS = 200;

const BodySchema = z.strictObject({
  filename: z.string().check(z.minLength(1, 'must not be empty'), z.maxLength(255, 'must be at most 255 characters')),
  contentType: z.string().check(z.minLength(1, 'must not be empty'), z.maxLength(100, 'must be at most 100 characters')),
  size: z.number().check(z.int('must be a whole number of bytes'), z.minimum(1, 'must be at least 1 byte'), z.maximum(Number.MAX_SAFE_INTEGER)),
  /** Stored on the object as `x-amz-meta-profile`; the ingest applies it (and rejects a profile no longer allowed). */
  profile: z.optional(z.string().check(z.minLength(1, 'must not be empty'), z.maxLength(64, 'must be at most 64 characters'))),
  /** Stored on the object as `x-amz-meta-job-<key>` pairs; the ingest copies them to the job. */
  metadata: z.optional(userMetadataSchema),
});

export function loadUploadConfig(env: NodeJS.ProcessEnv, access: AccessConfig): UploadConfig {
  const schema = z.object({
    SOURCE_BUCKET: nonEmptyString(),
    UPLOADS_TABLE_NAME: nonEmptyString(),
    MAX_UPLOAD_BYTES: z.pipe(z.string().check(z.regex(/^[1-9]\d*$/)), z.transform(Number)),
    ALLOWED_EXTENSIONS: z.pipe(
      z.pipe(
        z.string(),
        z.transform((s: string) => s.split(',').map((e) => e.trim().toLowerCase()).filter((e) => e.length > 0)),
      ),
      z.array(z.string().check(z.regex(/^[a-z0-9]+$/))).check(z.minLength(1)),
    ),
    // A short-lived form (variable upload_url_expires_seconds, default 300 s): less time to re-use or share it.
    UPLOAD_URL_EXPIRES_SECONDS: z.pipe(z.pipe(z.string().check(z.regex(/^[1-9]\d*$/)), z.transform(Number)), z.number().check(z.maximum(3600))),
  });
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const variable = parsed.error.issues[0]?.path.join('.') ?? 'unknown';
    throw new ConfigurationError(`Environment variable ${variable} is missing or invalid`, { context: { variable } });
  }
  const e = parsed.data;
  const unmapped = e.ALLOWED_EXTENSIONS.filter((ext) => CONTENT_TYPES_BY_EXTENSION[ext] === undefined);
  if (unmapped.length > 0) {
    // An extension without a content type could never be uploaded: a deployment error, said at once.
    throw new ConfigurationError(`Environment variable ALLOWED_EXTENSIONS lists extensions without a known content type: ${unmapped.join(', ')}`, {
      context: { variable: 'ALLOWED_EXTENSIONS', unmapped },
    });
  }
  return {
    sourceBucket: e.SOURCE_BUCKET,
    uploadsTable: e.UPLOADS_TABLE_NAME,
    maxUploadBytes: e.MAX_UPLOAD_BYTES,
    allowedExtensions: e.ALLOWED_EXTENSIONS,
    expiresSeconds: e.UPLOAD_URL_EXPIRES_SECONDS,
    profiles: profilePolicyFromEnv(env),
    access,
  };
}

/** Base name only, accents folded, anything outside [A-Za-z0-9._-] replaced, extension lowercased. */
export function sanitiseFilename(filename: string): { name: string; extension: string } {
  const base = filename.split(/[\\/]/).pop() ?? '';
  const folded = base.normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
  const dot = folded.lastIndexOf('.');
  const extension = dot > 0 ? folded.slice(dot + 1).toLowerCase() : '';
  const stemRaw = dot > 0 ? folded.slice(0, dot) : folded;
  const stem = stemRaw
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[.-]+|[.-]+$/g, '')
    .slice(0, MAX_FILENAME_CHARS - extension.length - 1);
  const safeStem = stem === '' ? 'upload' : stem;
  return { name: extension === '' ? safeStem : `${safeStem}.${extension}`, extension };
}

/**
 * POST /uploads: an upload reservation (owner, key, declared size, content type, expiry) and a
 * presigned POST for exactly its key, `uploads/<owner-id>/<uuid>/<file name>`, whose
 * content-length-range is [1, declared size] and whose content type is pinned.
 */
export async function createUpload(event: ApiEvent, ctx: RequestContext, config: UploadConfig, deps: UploadDeps): Promise<HttpResponse> {
  const caller = callerOf(event, config.access);
  const body = parseWith(BodySchema, readJsonBody(event), 'body');

  const { name, extension } = sanitiseFilename(body.filename);
  const accepted = CONTENT_TYPES_BY_EXTENSION[extension];
  if (extension === '' || accepted === undefined || !config.allowedExtensions.includes(extension)) {
    throw new UnsupportedMedia(
      `filename: extension "${extension}" is not accepted; use one of ${config.allowedExtensions.join(', ')}`,
      { context: { field: 'filename', extension } },
    );
  }
  const contentType = body.contentType.trim().toLowerCase();
  if (!accepted.includes(contentType)) {
    throw new UnsupportedMedia(`contentType: "${body.contentType}" does not match a .${extension} file; use ${accepted.join(' or ')}`, {
      context: { field: 'contentType', extension },
    });
  }
  if (body.size > config.maxUploadBytes) {
    throw new UploadTooLarge(`size: ${body.size} bytes exceeds the maximum of ${config.maxUploadBytes} bytes`, {
      context: { field: 'size', limitBytes: config.maxUploadBytes },
    });
  }

  // Checked now so the caller hears at once; the ingest checks again against the policy of that moment.
  const profile = body.profile === undefined ? undefined : chooseProfile(body.profile, config.profiles ?? OPEN_PROFILE_POLICY, 'profile');
  // Pinned fields of the POST: S3 refuses the upload unless the form carries exactly these values.
  const pinned: Record<string, string> = {
    'Content-Type': contentType,
    ...(profile !== undefined ? { 'x-amz-meta-profile': profile } : {}),
    ...toObjectMetadataFields(body.metadata ?? {}),
  };

  const now = deps.now();
  const key = `${ownerUploadPrefix(caller.owner)}${deps.uuid()}/${name}`;
  if (Buffer.byteLength(key, 'utf8') > 1024) {
    // Unreachable with the capped name and the fixed prefix; kept so a change there cannot produce an invalid key.
    throw new InvalidRequest('filename: is too long for an object key', { context: { field: 'filename' } });
  }
  const expiresMs = now.getTime() + config.expiresSeconds * 1000;
  const expiresAt = new Date(expiresMs).toISOString();
  await deps.reserve({
    key,
    owner: caller.owner,
    size: body.size,
    contentType,
    createdAt: now.toISOString(),
    formExpiresAt: expiresAt,
    // An upload that never arrives expires with its form (DynamoDB TTL, epoch seconds).
    expiresAt: Math.ceil(expiresMs / 1000),
  });
  // S3 refuses a file larger than declared (EntityTooLarge) before anything is stored:
  // https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html ("Creating a POST policy", content-length-range).
  const post = await deps.presign({
    Bucket: config.sourceBucket,
    Key: key,
    Fields: pinned,
    Conditions: [['content-length-range', 1, body.size], ...Object.entries(pinned).map(([field, value]): ['eq', string, string] => ['eq', `$${field}`, value])],
    Expires: config.expiresSeconds,
  });
  ctx.log.info('Upload reserved', { key, owner: caller.owner, size: body.size, contentType, expiresAt });
  return { statusCode: 201, body: { url: post.url, fields: post.fields, key, expiresAt } };
}
