/**
 * Signed playback (issue 12): with delivery_signing_public_key_pem set, GET /jobs/{jobId} signs
 * a COMPLETED job's playback with one custom policy on `https://<domain>/<jobId>/*` that
 * expires after DELIVERY_URL_TTL_SECONDS, and fails closed (500 PLAYBACK_SIGNING_FAILED, an
 * alarmable log line, never unsigned URLs) when the key cannot be read.
 */
import { createVerify, generateKeyPairSync } from 'node:crypto';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { deliveryConfig } from '../../handlers/get-job';
import { accessConfigFromEnv } from '../../handlers/shared/caller';
import { getJob } from '../../handlers/get-job/get-job';
import { listJobs } from '../../handlers/list-jobs/list-jobs';
import { documentClient } from '../../handlers/shared/clients';
import { apiHandler, type ApiEvent, type ApiResult } from '../../handlers/shared/http';
import { DynamoJobStore } from '../../handlers/shared/job-store';
import { deliverySettings } from '../../handlers/shared/playback';
import { unsignedView } from '../../handlers/shared/public-job';
import { jobPolicy, jobResource, PlaybackSigner } from '../../handlers/get-job/signed-playback';
import { privateKeyReader } from '../../handlers/get-job/signing-key';
import type { JobRecord } from '../../handlers/shared/job';
import { logger } from '../../handlers/shared/logger';
import { bodyOf, getJobEvent, listJobsEvent } from '../fixtures/api-events';
import { FakeJobsTable } from '../helpers/jobs-table';

const CDN = 'https://d111111abcdef8.cloudfront.net';
const JOB_ID = '0123456789abcdef0123456789abcdef';
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:video/playback-signing-key-AbCdEf';
const PARAMETER_ARN = 'arn:aws:ssm:eu-west-1:123456789012:parameter/video/playback-signing-key';
const KEY_PAIR_ID = 'K2JOBTESTKEY';
const TTL = 600;
/** The stack's default access settings; the fixtures' default caller is an admin. */
const ACCESS = accessConfigFromEnv({});
// A key generated per run: no private key is ever committed.
const { publicKey, privateKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});

const completed: JobRecord = {
  jobId: JOB_ID,
  status: 'COMPLETED',
  trigger: 'api',
  source: { bucket: 'video-workflow-test-source', key: 'uploads/clip.mp4', etag: 'e', size: 10 },
  createdAt: '2026-11-29T10:00:00.000Z',
  updatedAt: '2026-11-29T10:05:00.000Z',
  outputs: { mp4: [`s3://video-workflow-test-output/${JOB_ID}/mp4/clip.mp4`], hls: `s3://video-workflow-test-output/${JOB_ID}/hls/clip.m3u8`, thumbnails: [] },
  playback: { hls: `${CDN}/${JOB_ID}/hls/clip.m3u8`, mp4: [`${CDN}/${JOB_ID}/mp4/clip.mp4`], thumbnails: [`${CDN}/${JOB_ID}/thumbnails/clip.0000001.jpg`] },
};

const ddb = mockClient(DynamoDBDocumentClient);
const sm = mockClient(SecretsManagerClient);
const ssm = mockClient(SSMClient);
let table: FakeJobsTable;

/** CloudFront-safe base64 (RFC: + -> -, = -> _, / -> ~) back to bytes. */
const unsafe = (s: string) => Buffer.from(s.replace(/-/g, '+').replace(/_/g, '=').replace(/~/g, '/'), 'base64');

function verifies(policy: string, signature: string): boolean {
  return createVerify('RSA-SHA1').update(policy).verify(publicKey, unsafe(signature));
}

/**
 * The get-job route as index.ts wires it, for `env` (deliveryConfig reads the environment the
 * stack sets; the SDK clients are the mocked ones).
 */
function loadGetJob(env: Record<string, string>): (event: ApiEvent) => Promise<ApiResult> {
  const delivery = deliveryConfig({ DELIVERY_BASE_URL: CDN, DELIVERY_SIGNED_PLAYBACK: 'true', DELIVERY_URL_TTL_SECONDS: String(TTL), ...env });
  const store = new DynamoJobStore(documentClient(), 'jobs');
  return apiHandler('GET /jobs/{jobId}', (event, ctx) => getJob(event, ctx, store, ACCESS, delivery));
}

beforeAll(() => logger.setLogLevel('SILENT'));
beforeEach(() => {
  ddb.reset();
  sm.reset();
  ssm.reset();
  table = new FakeJobsTable(ddb);
  table.put(completed);
});

describe('GET /jobs/{jobId} with signed playback', () => {
  it('signs every URL with one custom policy on the job prefix and returns the query string for players', async () => {
    // Prepare
    sm.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolves({ SecretString: privateKey });
    const handler = loadGetJob({ DELIVERY_KEY_PAIR_ID: KEY_PAIR_ID, DELIVERY_SIGNING_PRIVATE_KEY_ARN: SECRET_ARN });
    const before = Math.floor(Date.now() / 1000);

    // Act
    const res = await handler(getJobEvent(JOB_ID));

    // Assess
    expect(res.statusCode).toBe(200);
    const { playback } = bodyOf(res);
    const { queryString, query, expiresAt } = playback.signature;
    expect(query['Key-Pair-Id']).toBe(KEY_PAIR_ID);
    expect(Object.fromEntries(new URLSearchParams(queryString))).toEqual({ Policy: query.Policy, Signature: query.Signature, 'Key-Pair-Id': KEY_PAIR_ID });
    expect(playback.hls).toBe(`${completed.playback!.hls}?${queryString}`);
    expect(playback.mp4).toEqual([`${completed.playback!.mp4[0]}?${queryString}`]);
    expect(playback.thumbnails).toEqual([`${completed.playback!.thumbnails[0]}?${queryString}`]);
    const policy = unsafe(query.Policy).toString('utf8');
    const statement = JSON.parse(policy).Statement[0];
    expect(statement.Resource).toBe(`${CDN}/${JOB_ID}/*`);
    const expires = statement.Condition.DateLessThan['AWS:EpochTime'];
    expect(expires).toBeGreaterThanOrEqual(before + TTL);
    expect(expires).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + TTL);
    expect(expiresAt).toBe(new Date(expires * 1000).toISOString());
    // The signature is the SDK's RSA-SHA1 over the policy: it verifies with the public key that
    // the key group holds, and a tampered policy (another job, a later expiry) does not.
    expect(verifies(policy, query.Signature)).toBe(true);
    expect(verifies(policy.replace(JOB_ID, 'f'.repeat(32)), query.Signature)).toBe(false);
    expect(verifies(policy.replace(String(expires), String(expires + 86400)), query.Signature)).toBe(false);
  });

  it('reads an SSM SecureString key with decryption', async () => {
    // Prepare
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: privateKey } });
    const handler = loadGetJob({ DELIVERY_KEY_PAIR_ID: KEY_PAIR_ID, DELIVERY_SIGNING_PRIVATE_KEY_ARN: PARAMETER_ARN });

    // Act
    const res = await handler(getJobEvent(JOB_ID));

    // Assess
    expect(res.statusCode).toBe(200);
    expect(ssm).toHaveReceivedCommandWith(GetParameterCommand, { Name: '/video/playback-signing-key', WithDecryption: true });
    expect(sm).not.toHaveReceivedCommand(GetSecretValueCommand);
  });

  it('fails closed with 500 PLAYBACK_SIGNING_FAILED when the key cannot be read, never with unsigned URLs', async () => {
    // Prepare
    sm.on(GetSecretValueCommand).rejects(Object.assign(new Error('User is not authorized'), { name: 'AccessDeniedException' }));
    const handler = loadGetJob({ DELIVERY_KEY_PAIR_ID: KEY_PAIR_ID, DELIVERY_SIGNING_PRIVATE_KEY_ARN: SECRET_ARN });

    // Act
    const res = await handler(getJobEvent(JOB_ID, { requestId: 'req-sign' }));

    // Assess
    expect(res.statusCode).toBe(500);
    expect(bodyOf(res).error).toEqual({ code: 'PLAYBACK_SIGNING_FAILED', message: 'Internal error; quote request id req-sign' });
    expect(res.body).not.toContain(CDN);
  });

  it('fails closed when signing is on but the key pair id is missing (deployment error)', () => {
    expect(() => loadGetJob({ DELIVERY_SIGNING_PRIVATE_KEY_ARN: SECRET_ARN })).toThrow('DELIVERY_KEY_PAIR_ID is not set');
    expect(() => loadGetJob({ DELIVERY_KEY_PAIR_ID: KEY_PAIR_ID })).toThrow('DELIVERY_SIGNING_PRIVATE_KEY_ARN is not set');
  });

  it('fails closed when the route has settings saying signed but no signer', async () => {
    const store = new DynamoJobStore(documentClient(), 'jobs');
    const handler = apiHandler('GET /jobs/{jobId}', (event, ctx) => getJob(event, ctx, store, ACCESS, { settings: { baseUrl: CDN, signed: true } }));
    const res = await handler(getJobEvent(JOB_ID));
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain(CDN);
  });

  it('needs no key for a job that has no playback yet', async () => {
    table.put({ ...completed, status: 'PROCESSING', playback: undefined, outputs: undefined });
    const handler = loadGetJob({ DELIVERY_KEY_PAIR_ID: KEY_PAIR_ID, DELIVERY_SIGNING_PRIVATE_KEY_ARN: SECRET_ARN });
    const res = await handler(getJobEvent(JOB_ID));
    expect(res.statusCode).toBe(200);
    expect(sm).not.toHaveReceivedCommand(GetSecretValueCommand);
  });
});

describe('GET /jobs with signed playback', () => {
  it('omits playback (list-jobs cannot sign; GET /jobs/{jobId} returns signed URLs)', async () => {
    // Prepare: the view list-jobs/index.ts passes for the stack's environment
    const view = unsignedView(deliverySettings({ DELIVERY_BASE_URL: CDN, DELIVERY_SIGNED_PLAYBACK: 'true' }));
    const store = new DynamoJobStore(documentClient(), 'jobs');
    const list = apiHandler('GET /jobs', (event, ctx) => listJobs(event, ctx, store, ACCESS, view));

    // Act
    const res = await list(listJobsEvent({ status: 'COMPLETED' }));

    // Assess
    expect(res.statusCode).toBe(200);
    expect(bodyOf(res).items).toHaveLength(1);
    expect(bodyOf(res).items[0]).not.toHaveProperty('playback');
  });
});

describe('PlaybackSigner', () => {
  const playback = completed.playback!;

  it('logs an alarmable line naming the error when the key is unreadable', async () => {
    // Prepare
    const errors: Array<[string, Record<string, unknown>]> = [];
    const log = { info: () => {}, warn: () => {}, error: (message: string, fields: Record<string, unknown> = {}) => void errors.push([message, fields]) };
    const signer = new PlaybackSigner({ keyPairId: KEY_PAIR_ID, ttlSeconds: TTL, readPrivateKey: () => Promise.reject(new Error('boom')) }, log);

    // Act / Assess
    await expect(signer.sign(JOB_ID, playback)).rejects.toMatchObject({ name: 'PlaybackSigningFailed' });
    expect(errors).toEqual([['Playback signing failed', expect.objectContaining({ errorName: 'PlaybackSigningFailed', jobId: JOB_ID })]]);
  });

  it('refuses a key that is not a PEM private key', async () => {
    const read = privateKeyReader(SECRET_ARN, { secretsManager: () => ({ send: async () => ({ SecretString: 'not a key' }) }) as never, ssm: () => ({}) as never });
    const signer = new PlaybackSigner({ keyPairId: KEY_PAIR_ID, ttlSeconds: TTL, readPrivateKey: read }, { info: () => {}, warn: () => {}, error: () => {} });
    await expect(signer.sign(JOB_ID, playback)).rejects.toMatchObject({ name: 'PlaybackSigningFailed' });
  });

  it('expires exactly ttlSeconds after now', async () => {
    const now = new Date('2026-11-30T12:00:00.000Z');
    const signer = new PlaybackSigner({ keyPairId: KEY_PAIR_ID, ttlSeconds: 3600, readPrivateKey: async () => privateKey, now: () => now }, { info: () => {}, warn: () => {}, error: () => {} });
    const signed = await signer.sign(JOB_ID, playback);
    expect(signed.signature!.expiresAt).toBe('2026-11-30T13:00:00.000Z');
  });

  it('rejects a key pair id that is not a CloudFront public key id, and an ARN of another service', () => {
    expect(() => new PlaybackSigner({ keyPairId: 'arn:aws:x', ttlSeconds: 1, readPrivateKey: async () => '' }, { info: () => {}, warn: () => {}, error: () => {} })).toThrow('DELIVERY_KEY_PAIR_ID');
    expect(() => privateKeyReader('arn:aws:s3:::bucket/key', { secretsManager: () => ({}) as never, ssm: () => ({}) as never })).toThrow('DELIVERY_SIGNING_PRIVATE_KEY_ARN');
  });

  it('builds the job-prefix wildcard and the custom policy', () => {
    expect(jobResource(`${CDN}/${JOB_ID}/hls/a.m3u8`, JOB_ID)).toBe(`${CDN}/${JOB_ID}/*`);
    expect(JSON.parse(jobPolicy(`${CDN}/${JOB_ID}/*`, 1800000000))).toEqual({
      Statement: [{ Resource: `${CDN}/${JOB_ID}/*`, Condition: { DateLessThan: { 'AWS:EpochTime': 1800000000 } } }],
    });
  });
});
