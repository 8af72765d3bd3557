import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defaultProvider } from '../../handlers/lambda-runtime/credential-provider';
import { handlerNames } from '../../stacks/lib/bundle';
import { bundledIndexJs, invokeBundledHandler } from '../helpers/bundles';

/**
 * Lambda bundles resolve credentials from the environment only (handlers/lambda-runtime/
 * credential-provider.ts, aliased by stacks/lib/bundle.ts): what the SDK's default chain does in
 * Lambda, without shipping the chain's other links.
 */
const ENV_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'AKIDBUNDLETEST', AWS_SECRET_ACCESS_KEY: 'secret', AWS_SESSION_TOKEN: 'session-token' };
/** Every function but plan-transcode, which makes no AWS call. */
const SDK_HANDLERS = handlerNames().filter((name) => name !== 'plan-transcode');

describe('credential provider of the Lambda bundles', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('returns the execution role credentials Lambda puts in the environment', async () => {
    Object.assign(process.env, ENV_CREDENTIALS);
    delete process.env.AWS_PROFILE;
    await expect(defaultProvider()()).resolves.toMatchObject({ accessKeyId: 'AKIDBUNDLETEST', secretAccessKey: 'secret', sessionToken: 'session-token' });
  });

  it('fails with the SDK error naming the missing environment credentials', async () => {
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    await expect(defaultProvider()()).rejects.toMatchObject({ name: 'CredentialsProviderError', message: 'Unable to find environment variable credentials.' });
  });

  it.each(SDK_HANDLERS)('%s: ships the environment provider, not the default chain and its SSO/STS clients', (name) => {
    const code = bundledIndexJs(name);
    expect(code).toContain('Unable to find environment variable credentials.');
    for (const link of ['defaultProvider::fromSSO', 'defaultProvider::fromIni', 'defaultProvider::remoteProvider', 'credential-provider-web-identity']) {
      expect({ name, link, shipped: code.includes(link) }).toEqual({ name, link, shipped: false });
    }
  });

  it('a bundled handler signs its SDK calls with the environment credentials', async () => {
    // archive-source's S3 CopyObject goes to a local endpoint that records the request.
    const seen: IncomingHttpHeaders[] = [];
    const server = createServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(403, { 'content-type': 'application/xml' }).end('<Error><Code>AccessDenied</Code><Message>recorded</Message></Error>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const event = { jobId: '0123456789abcdef0123456789abcdef', source: { bucket: 'source-bucket', key: 'uploads/a.mp4', etag: '"e"', size: 10 } };
      const env = {
        ...ENV_CREDENTIALS,
        AWS_REGION: 'us-east-1',
        AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        AWS_MAX_ATTEMPTS: '1',
        ARCHIVE_BUCKET: 'archive-bucket',
        ARCHIVE_STORAGE_CLASS: 'GLACIER_IR',
        POWERTOOLS_LOG_LEVEL: 'SILENT',
      };
      // The denied copy surfaces as the handler's named error; what matters is how it was signed.
      await expect(invokeBundledHandler('archive-source', event, env)).resolves.toMatchObject({ error: { name: 'ArchiveFailed' } });
      expect(seen.length).toBeGreaterThan(0);
      for (const headers of seen) {
        expect(headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDBUNDLETEST\/\d{8}\/us-east-1\/s3\/aws4_request,/);
        expect(headers['x-amz-security-token']).toBe('session-token');
      }
    } finally {
      server.close();
    }
  });
});
