import { PutCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { PresignedPostOptions } from '@aws-sdk/s3-presigned-post';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../handlers/create-upload';
import { createUpload, loadUploadConfig, sanitiseFilename, type UploadConfig } from '../../handlers/create-upload/create-upload';
import type { RequestContext } from '../../handlers/shared/http';
import { logger, silentLog } from '../../handlers/shared/logger';
import { ownerIdOf } from '../../handlers/shared/owner';
import { ISSUER, postUploads, bodyOf } from '../fixtures/api-events';

const ddb = mockClient(DynamoDBDocumentClient);
/** The fixtures' default caller (an admin token); uploads are keyed by the caller's owner id. */
const OWNER = ownerIdOf(`jwt|${ISSUER}|admin-1`);
const ACCESS = { adminScope: 'video/admin', adminPrincipals: [] };

const ENV = {
  JOBS_TABLE_NAME: 'video-workflow-test-jobs',
  SOURCE_BUCKET: 'video-workflow-test-source',
  UPLOADS_TABLE_NAME: 'video-workflow-test-uploads',
  MAX_UPLOAD_BYTES: '5368709120',
  ALLOWED_EXTENSIONS: 'mp4,mov,mkv,mxf',
  UPLOAD_URL_EXPIRES_SECONDS: '300',
  AWS_REGION: 'eu-west-1',
  // Presigning is local computation; these only feed the signature.
  AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};
const UUID = '3f2b8c1e-6d4a-4f7e-9a0b-1c2d3e4f5a6b';
const NOW = new Date('2026-11-29T23:59:30.000Z');

function policyOf(fields: Record<string, string>): { expiration: string; conditions: unknown[] } {
  return JSON.parse(Buffer.from(fields.Policy, 'base64').toString('utf8'));
}

const saved: Record<string, string | undefined> = {};
beforeAll(() => {
  for (const [k, v] of Object.entries(ENV)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  delete process.env.AWS_SESSION_TOKEN;
  logger.setLogLevel('SILENT');
});
beforeEach(() => {
  ddb.reset();
  ddb.on(PutCommand).resolves({});
});
afterAll(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

describe('POST /uploads (handler, real presigning)', () => {
  it('answers 201 with a reservation and a presigned POST limited to the declared size and content type', async () => {
    // Act
    const res = await handler(postUploads({ filename: 'Holiday clip.mp4', contentType: 'video/mp4', size: 10_000_000 }, { requestId: 'req-up' }));

    // Assess
    expect(res.statusCode).toBe(201);
    const body = bodyOf(res);
    expect(body.key).toMatch(new RegExp(`^uploads/${OWNER}/[0-9a-f-]{36}/Holiday-clip\\.mp4$`));
    expect(body.url).toBe(`https://${ENV.SOURCE_BUCKET}.s3.eu-west-1.amazonaws.com/`);
    expect(body.requestId).toBe('req-up');
    expect(body.fields).toMatchObject({
      bucket: ENV.SOURCE_BUCKET,
      key: body.key,
      'Content-Type': 'video/mp4',
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': expect.stringMatching(/^AKIAIOSFODNN7EXAMPLE\/\d{8}\/eu-west-1\/s3\/aws4_request$/),
      'X-Amz-Signature': expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const policy = policyOf(body.fields);
    expect(policy.conditions).toEqual(
      expect.arrayContaining([
        // The declared size, not the deployment maximum: S3 refuses a larger file (EntityTooLarge).
        ['content-length-range', 1, 10_000_000],
        ['eq', '$Content-Type', 'video/mp4'],
        { bucket: ENV.SOURCE_BUCKET },
        { key: body.key },
      ]),
    );
    const lifetime = Date.parse(body.expiresAt) - Date.now();
    expect(lifetime).toBeGreaterThan(290_000);
    expect(lifetime).toBeLessThanOrEqual(300_000);
    expect(Math.abs(Date.parse(policy.expiration) - Date.parse(body.expiresAt))).toBeLessThan(2000);
    expect(ddb).toHaveReceivedCommandTimes(PutCommand, 1);
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      TableName: ENV.UPLOADS_TABLE_NAME,
      Item: {
        key: body.key,
        owner: OWNER,
        size: 10_000_000,
        contentType: 'video/mp4',
        createdAt: expect.any(String),
        formExpiresAt: body.expiresAt,
        expiresAt: Math.ceil(Date.parse(body.expiresAt) / 1000),
      },
      ConditionExpression: 'attribute_not_exists(#key)',
    });
  });

  it.each([
    ['an extension that is not allowed', { filename: 'setup.exe', contentType: 'video/mp4', size: 10 }, 422, 'UNSUPPORTED_MEDIA', 'filename'],
    ['a video extension the deployment does not allow', { filename: 'clip.webm', contentType: 'video/webm', size: 10 }, 422, 'UNSUPPORTED_MEDIA', 'filename'],
    ['no extension', { filename: 'clip', contentType: 'video/mp4', size: 10 }, 422, 'UNSUPPORTED_MEDIA', 'filename'],
    ['a non-video content type', { filename: 'clip.mp4', contentType: 'image/png', size: 10 }, 422, 'UNSUPPORTED_MEDIA', 'contentType'],
    ['a content type of another container', { filename: 'clip.mp4', contentType: 'video/quicktime', size: 10 }, 422, 'UNSUPPORTED_MEDIA', 'contentType'],
    ['a size over the maximum', { filename: 'clip.mp4', contentType: 'video/mp4', size: 5_368_709_121 }, 422, 'UPLOAD_TOO_LARGE', 'size'],
    ['size 0', { filename: 'clip.mp4', contentType: 'video/mp4', size: 0 }, 400, 'INVALID_REQUEST', 'size'],
    ['a fractional size', { filename: 'clip.mp4', contentType: 'video/mp4', size: 1.5 }, 400, 'INVALID_REQUEST', 'size'],
    ['size as a string', { filename: 'clip.mp4', contentType: 'video/mp4', size: '100' }, 400, 'INVALID_REQUEST', 'size'],
    ['a missing filename', { contentType: 'video/mp4', size: 10 }, 400, 'INVALID_REQUEST', 'filename'],
    ['a bucket field', { filename: 'clip.mp4', contentType: 'video/mp4', size: 10, bucket: 'other' }, 400, 'INVALID_REQUEST', 'bucket'],
    ['a missing body', undefined, 400, 'INVALID_REQUEST', 'body'],
    ['invalid JSON', '{"filename":', 400, 'INVALID_REQUEST', 'body'],
  ])('rejects %s', async (_name, body, status, code, field) => {
    // Act
    const res = await handler(postUploads(body));

    // Assess
    expect(res.statusCode).toBe(status);
    expect(bodyOf(res).error).toMatchObject({ code, field, message: expect.stringMatching(new RegExp(`^${field}: `)) });
    expect(ddb).not.toHaveReceivedCommand(PutCommand);
  });

  it("answers a size past 2^53 with zod's English messages (handlers configure the locale zod/mini leaves out)", async () => {
    // Act
    const res = await handler(postUploads({ filename: 'clip.mp4', contentType: 'video/mp4', size: 2 ** 60 }));

    // Assess
    expect(res.statusCode).toBe(400);
    expect(bodyOf(res).error).toEqual({
      code: 'INVALID_REQUEST',
      field: 'size',
      message: 'size: must be a whole number of bytes; size: Too big: expected number to be <=9007199254740991',
    });
  });

  it('names the limit when the size is over the maximum', async () => {
    // Act
    const res = await handler(postUploads({ filename: 'clip.mp4', contentType: 'video/mp4', size: 6_000_000_000 }));

    // Assess
    expect(bodyOf(res).error.message).toBe('size: 6000000000 bytes exceeds the maximum of 5368709120 bytes');
  });
});

describe('createUpload (core)', () => {
  const config: UploadConfig = {
    sourceBucket: 'src',
    uploadsTable: 'uploads',
    maxUploadBytes: 1000,
    allowedExtensions: ['mp4', 'mxf'],
    expiresSeconds: 900,
    access: ACCESS,
  };
  const ctx: RequestContext = { requestId: 'req-core', log: silentLog, appendKeys: () => {} };

  it("builds a key under the caller's owner id with a fresh uuid, reserves it, and passes exact conditions to the presigner", async () => {
    // Prepare
    const presign = jest.fn(async (_options: PresignedPostOptions) => ({ url: 'https://src.s3.amazonaws.com/', fields: { key: 'k' } }));
    const reserve = jest.fn(async () => {});

    // Act
    const res = await createUpload(
      postUploads({ filename: 'C:\\Users\\me\\Été final (v2).MXF', contentType: 'Application/MXF', size: 1000 }),
      ctx,
      config,
      { presign, reserve, now: () => NOW, uuid: () => UUID },
    );

    // Assess
    const key = `uploads/${OWNER}/${UUID}/Ete-final-v2.mxf`;
    expect(res).toEqual({
      statusCode: 201,
      body: { url: 'https://src.s3.amazonaws.com/', fields: { key: 'k' }, key, expiresAt: '2026-11-30T00:14:30.000Z' },
    });
    expect(presign).toHaveBeenCalledWith({
      Bucket: 'src',
      Key: key,
      Fields: { 'Content-Type': 'application/mxf' },
      Conditions: [
        ['content-length-range', 1, 1000],
        ['eq', '$Content-Type', 'application/mxf'],
      ],
      Expires: 900,
    });
    expect(reserve).toHaveBeenCalledWith({
      key,
      owner: OWNER,
      size: 1000,
      contentType: 'application/mxf',
      createdAt: NOW.toISOString(),
      formExpiresAt: '2026-11-30T00:14:30.000Z',
      expiresAt: Date.parse('2026-11-30T00:14:30.000Z') / 1000,
    });
  });

  it('pins the chosen profile and metadata pairs as S3 object metadata fields of the POST', async () => {
    // Prepare
    const presign = jest.fn(async (_options: PresignedPostOptions) => ({ url: 'https://src.s3.amazonaws.com/', fields: { key: 'k' } }));

    // Act
    await createUpload(
      postUploads({ filename: 'clip.mp4', contentType: 'video/mp4', size: 10, profile: 'social', metadata: { campaign: 'spring', 'cms-id': '42' } }),
      ctx,
      { ...config, profiles: { defaultProfile: 'standard', allowedProfiles: ['standard', 'social'] } },
      { presign, reserve: async () => {}, now: () => NOW, uuid: () => UUID },
    );

    // Assess: S3 refuses the upload unless the form carries exactly these values
    const pinned = { 'Content-Type': 'video/mp4', 'x-amz-meta-profile': 'social', 'x-amz-meta-job-campaign': 'spring', 'x-amz-meta-job-cms-id': '42' };
    expect(presign).toHaveBeenCalledWith(expect.objectContaining({
      Fields: pinned,
      Conditions: [['content-length-range', 1, 10], ...Object.entries(pinned).map(([k, v]) => ['eq', `$${k}`, v])],
    }));
  });

  it.each([
    ['a profile not allowed here', { profile: 'premium' }, 'ProfileNotAllowed', 'profile: profile "premium" is not allowed here; allowed: standard, social'],
    ['an unknown profile', { profile: 'ultra' }, 'UnknownProfile', 'profile: unknown profile "ultra"; allowed: standard, social'],
    ['too many metadata pairs', { metadata: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, 'v'])) }, 'InvalidRequest', 'metadata: at most 10 pairs (got 11)'],
    ['an uppercase metadata key', { metadata: { Campaign: 'x' } }, 'InvalidRequest', 'metadata.Campaign: keys must be lowercase'],
  ])('rejects %s before presigning', async (_name, extra, name, message) => {
    // Prepare
    const presign = jest.fn();

    // Act
    const act = createUpload(
      postUploads({ filename: 'clip.mp4', contentType: 'video/mp4', size: 10, ...extra }),
      ctx,
      { ...config, profiles: { defaultProfile: 'standard', allowedProfiles: ['standard', 'social'] } },
      { presign, reserve: async () => {}, now: () => NOW, uuid: () => UUID },
    );

    // Assess
    await expect(act).rejects.toMatchObject({ name, message: expect.stringContaining(message) });
    expect(presign).not.toHaveBeenCalled();
  });

  it.each([
    ['../../etc/passwd.mp4', 'passwd.mp4', 'mp4'],
    ['..mp4', 'upload.mp4', 'mp4'],
    ['my   clip!!.MP4', 'my-clip.mp4', 'mp4'],
    ['.mp4', 'mp4', ''],
    [`${'x'.repeat(300)}.mp4`, `${'x'.repeat(196)}.mp4`, 'mp4'],
  ])('sanitises %s', (filename, name, extension) => {
    // Act / Assess
    expect(sanitiseFilename(filename)).toEqual({ name, extension });
  });
});

describe('loadUploadConfig', () => {
  it('names the variable that is missing', () => {
    // Act / Assess
    expect(() => loadUploadConfig({ ...ENV, MAX_UPLOAD_BYTES: undefined }, ACCESS)).toThrow('Environment variable MAX_UPLOAD_BYTES is missing or invalid');
  });

  it('accepts every extension the stacks allow', () => {
    // Prepare: the list in stacks/config.ts (VIDEO_EXTENSIONS)
    const stackExtensions = 'mp4,mov,m4v,mkv,webm,avi,mxf,mpg,mpeg,ts';

    // Act
    const config = loadUploadConfig({ ...ENV, ALLOWED_EXTENSIONS: stackExtensions }, ACCESS);

    // Assess
    expect(config.allowedExtensions).toEqual(stackExtensions.split(','));
  });

  it('rejects an allowed extension that has no content type', () => {
    // Act / Assess
    expect(() => loadUploadConfig({ ...ENV, ALLOWED_EXTENSIONS: 'mp4,exe' }, ACCESS)).toThrow(
      'Environment variable ALLOWED_EXTENSIONS lists extensions without a known content type: exe',
    );
  });

  it('names a missing reservation table', () => {
    // Act / Assess
    expect(() => loadUploadConfig({ ...ENV, UPLOADS_TABLE_NAME: undefined }, ACCESS)).toThrow('Environment variable UPLOADS_TABLE_NAME is missing or invalid');
  });

  it('refuses a form lifetime over an hour', () => {
    // Act / Assess
    expect(() => loadUploadConfig({ ...ENV, UPLOAD_URL_EXPIRES_SECONDS: '3601' }, ACCESS)).toThrow('UPLOAD_URL_EXPIRES_SECONDS');
  });
});
