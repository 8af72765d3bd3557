import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { CreateBucketCommand, GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { build } from 'esbuild';
import { mockClient } from 'aws-sdk-client-mock';
import { bundleAssets } from '../../handlers/extract-metadata/assets';
import { extractMetadata } from '../../handlers/extract-metadata/extract';
import { handler } from '../../handlers/extract-metadata/index';
import { createMediaInfoProbe, locateWasm, wasmLocation } from '../../handlers/extract-metadata/probe';
import { MalformedEvent, ObjectNotFound, UnsupportedMedia } from '../../handlers/shared/errors';
import type { SourceRef } from '../../handlers/shared/job';
import { logger, silentLog } from '../../handlers/shared/logger';
import { serveRanged } from '../fixtures/s3';

const FIXTURES = path.join(__dirname, '../fixtures/media');
const JOB_ID = '0123456789abcdef0123456789abcdef';
const s3Mock = mockClient(S3Client);

/** Serves a fixture as s3://source/<name>, honouring the Range header like S3 does. */
function serveFixture(name: string, versionId?: string): SourceRef {
  const { size } = serveRanged(s3Mock, readFileSync(path.join(FIXTURES, name)));
  return { bucket: 'source', key: `uploads/${name}`, etag: '"etag"', size, ...(versionId === undefined ? {} : { versionId }) };
}

beforeAll(() => logger.setLogLevel('SILENT'));
beforeEach(() => s3Mock.reset());

describe('extract-metadata handler on real media', () => {
  it('reads a landscape H.264 + AAC MP4 (moov at the end) through ranged GETs', async () => {
    // Prepare
    const source = serveFixture('landscape.mp4', 'v-42');

    // Act
    const metadata = await handler({ jobId: JOB_ID, source });

    // Assess
    expect(metadata).toEqual({
      container: 'MPEG-4',
      durationSeconds: 1.52,
      width: 320,
      height: 180,
      displayWidth: 320,
      displayHeight: 180,
      displayAspectRatio: 1.7778,
      rotation: 0,
      frameRate: 25,
      videoCodec: 'AVC',
      bitRate: expect.any(Number),
      audioTrackCount: 1,
      audioCodec: 'AAC',
      audioChannels: 1,
      audioChannelLayout: 'M',
      bytesRead: 29107,
    });
    expect(metadata.bitRate).toBeGreaterThan(100_000);
    expect(s3Mock).toHaveReceivedCommandWith(GetObjectCommand, { Bucket: 'source', Key: 'uploads/landscape.mp4', VersionId: 'v-42', Range: 'bytes=0-29106' });
    // The whole 29 KB file fits in one 512 KiB chunk, and the parser's seek back is served from cache.
    expect(s3Mock).toHaveReceivedCommandTimes(GetObjectCommand, 1);
  });

  it('reads a portrait MP4 without audio', async () => {
    // Prepare
    const source = serveFixture('portrait-no-audio.mp4');

    // Act
    const metadata = await handler({ jobId: JOB_ID, source });

    // Assess
    expect(metadata).toMatchObject({ width: 180, height: 320, displayWidth: 180, displayHeight: 320, rotation: 0, durationSeconds: 1, audioTrackCount: 0, videoCodec: 'AVC' });
    expect(metadata.audioCodec).toBeUndefined();
    expect(metadata.displayAspectRatio).toBeCloseTo(0.5625, 4);
    expect(s3Mock.commandCalls(GetObjectCommand)[0].args[0].input).toEqual({ Bucket: 'source', Key: 'uploads/portrait-no-audio.mp4', Range: 'bytes=0-12946' });
  });

  it('swaps the display size of a video stored landscape with a 90 degree rotation', async () => {
    // Prepare
    const source = serveFixture('rotated-90.mp4');

    // Act
    const metadata = await handler({ jobId: JOB_ID, source });

    // Assess
    expect(metadata).toMatchObject({ width: 320, height: 180, rotation: 270, displayWidth: 180, displayHeight: 320, audioTrackCount: 1, audioCodec: 'AAC' });
    expect(metadata.displayAspectRatio).toBeCloseTo(0.5625, 4);
  });

  it.each([
    ['mono.mp4', 1, 'M'],
    ['surround-5.1.mp4', 6, 'C L R Ls Rs LFE'],
  ])('reads the channel count and stream-order layout of %s (plan-transcode remixes from them)', async (fixture, channels, layout) => {
    // Prepare
    const source = serveFixture(fixture);

    // Act
    const metadata = await handler({ jobId: JOB_ID, source });

    // Assess
    expect(metadata).toMatchObject({ audioTrackCount: 1, audioCodec: 'AAC', audioChannels: channels, audioChannelLayout: layout, width: 320, height: 180 });
  });

  it('reads a 0.5 s clip', async () => {
    // Prepare
    const source = serveFixture('short-0.5s.mp4');

    // Act
    const metadata = await handler({ jobId: JOB_ID, source });

    // Assess
    expect(metadata).toMatchObject({ durationSeconds: 0.52, width: 320, height: 180, frameRate: 25, bytesRead: 11498 });
  });

  it.each([
    ['empty.mp4', 'zero bytes', 0],
    ['not-media.mp4', 'not a recognised media container', 1],
    ['audio-only.m4a', 'audio-only', 1],
    ['truncated-head.mp4', 'truncated', 1],
    ['truncated-tail.mp4', 'not a recognised media container', 1],
  ])('rejects %s with UnsupportedMedia (%s)', async (fixture, reason, requests) => {
    // Prepare
    const source = serveFixture(fixture);

    // Act
    const result = handler({ jobId: JOB_ID, source });

    // Assess
    await expect(result).rejects.toBeInstanceOf(UnsupportedMedia);
    await expect(result).rejects.toThrow(reason);
    expect(s3Mock).toHaveReceivedCommandTimes(GetObjectCommand, requests);
  });

  it('throws ObjectNotFound when S3 says NoSuchKey', async () => {
    // Prepare
    s3Mock.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } }));

    // Act
    const result = handler({ jobId: JOB_ID, source: { bucket: 'source', key: 'uploads/gone.mp4', etag: '"e"', size: 1000 } });

    // Assess
    await expect(result).rejects.toBeInstanceOf(ObjectNotFound);
    expect(s3Mock).toHaveReceivedCommandWith(GetObjectCommand, { Bucket: 'source', Key: 'uploads/gone.mp4', Range: 'bytes=0-999' });
  });

  it('rejects an event without a source as MalformedEvent, before any S3 call', async () => {
    // Act
    const result = handler({ jobId: JOB_ID });

    // Assess
    await expect(result).rejects.toBeInstanceOf(MalformedEvent);
    expect(s3Mock).toHaveReceivedCommandTimes(GetObjectCommand, 0);
  });
});

describe('extractMetadata with a small chunk size', () => {
  it('stops reading a long file well before its end (moov at the start)', async () => {
    // Prepare
    const source = serveFixture('long-120s.mp4');
    const probe = createMediaInfoProbe(16 * 1024);

    // Act
    const metadata = await extractMetadata({ jobId: JOB_ID, source }, { s3: new S3Client({ region: 'eu-west-1' }), probe, log: silentLog });

    // Assess
    expect(metadata).toMatchObject({ durationSeconds: 120, width: 160, height: 90, frameRate: 10, audioTrackCount: 0 });
    expect(source.size).toBe(108524);
    expect(metadata.bytesRead).toBe(31574);
    expect(metadata.bytesRead).toBeLessThan(source.size / 3);
    expect(s3Mock).toHaveReceivedCommandTimes(GetObjectCommand, 2);
  });
});

describe('bundle assets', () => {
  it('names a wasm file that exists and that the probe resolves from source', () => {
    // Act
    const located = locateWasm();

    // Assess
    expect(bundleAssets).toHaveLength(1);
    const repoRoot = path.join(__dirname, '../..');
    expect(path.resolve(repoRoot, bundleAssets[0].from)).toBe(located);
    expect(readFileSync(located).subarray(0, 4)).toEqual(Buffer.from([0x00, 0x61, 0x73, 0x6d]));
  });

  it('prefers the wasm beside the bundle when it is there', () => {
    // Prepare
    const bundleDir = mkdtempSync(path.join(os.tmpdir(), 'bundle-'));
    writeFileSync(path.join(bundleDir, bundleAssets[0].to), new Uint8Array([0x00, 0x61, 0x73, 0x6d]));

    try {
      // Act
      const located = locateWasm(bundleDir);

      // Assess
      expect(located).toBe(path.join(bundleDir, 'MediaInfoModule.wasm'));
    } finally {
      rmSync(bundleDir, { recursive: true, force: true });
    }
  });
});

describe('wasmLocation', () => {
  it('gives the fs-based CJS loader a path and the fetch-based ESM loader a data: URL', () => {
    // Prepare
    const wasm = locateWasm();

    // Act
    const forCjs = wasmLocation('/var/task/', wasm);
    const forEsmBundle = wasmLocation('', wasm);

    // Assess
    expect(forCjs).toBe(wasm);
    expect(forEsmBundle.startsWith('data:application/wasm;base64,AGFzbQ')).toBe(true);
  });
});

describe('Lambda bundle', () => {
  // s3rver ships no types; this is the part of its API used here.
  const S3rver = require('s3rver') as new (options: Record<string, unknown>) => { run(): Promise<{ port: number }>; close(): Promise<void> };

  it('loads the wasm copied beside an esbuild CJS bundle and probes an object in a local S3', async () => {
    // Prepare: the stacks' build (esbuild --bundle --platform=node --target=node22 --format=cjs) + bundleAssets
    const work = mkdtempSync(path.join(os.tmpdir(), 'extract-metadata-bundle-'));
    const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: path.join(work, 's3') });
    try {
      const repoRoot = path.join(__dirname, '../..');
      await build({
        entryPoints: [path.join(repoRoot, 'handlers/extract-metadata/index.ts')],
        bundle: true, platform: 'node', target: 'node22', format: 'cjs', logLevel: 'silent',
        outfile: path.join(work, 'bundle/index.js'),
      });
      for (const asset of bundleAssets) copyFileSync(path.join(repoRoot, asset.from), path.join(work, 'bundle', asset.to));
      const { port } = await server.run();
      const endpoint = `http://127.0.0.1:${port}`;
      const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
      const local = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
      s3Mock.restore(); // the last describe in this file: the local client must reach s3rver
      const body = readFileSync(path.join(FIXTURES, 'rotated-90.mp4'));
      await local.send(new CreateBucketCommand({ Bucket: 'source' }));
      await local.send(new PutObjectCommand({ Bucket: 'source', Key: 'uploads/phone.mp4', Body: body }));
      const event = { jobId: JOB_ID, source: { bucket: 'source', key: 'uploads/phone.mp4', etag: '"e"', size: body.length } };
      const driver = `require(${JSON.stringify(path.join(work, 'bundle/index.js'))}).handler(${JSON.stringify(event)}).then((m) => process.stdout.write(JSON.stringify(m)))`;

      // Act
      const { stdout } = await promisify(execFile)(process.execPath, ['-e', driver], {
        env: {
          PATH: process.env.PATH, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER',
          AWS_ENDPOINT_URL_S3: endpoint, POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true', AWS_SDK_JS_SUPPRESS_NODE_VERSION_WARNING: '1',
        },
      });

      // Assess
      expect(JSON.parse(stdout)).toMatchObject({ displayWidth: 180, displayHeight: 320, rotation: 270, videoCodec: 'AVC', bytesRead: body.length });
    } finally {
      await server.close();
      rmSync(work, { recursive: true, force: true });
    }
  });
});
