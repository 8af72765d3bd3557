import { GetObjectCommand, NoSuchKey, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { ObjectNotFound, UnsupportedMedia } from '../../handlers/shared/errors';
import { S3RangeReader } from '../../handlers/shared/s3-range-reader';
import { serveRanged } from '../fixtures/s3';

const s3Mock = mockClient(S3Client);
const s3 = new S3Client({ region: 'eu-west-1' });

/** An object of `size` bytes where byte i is i % 251, served honouring the Range header. */
function serveObject(size: number): Uint8Array {
  const data = Uint8Array.from({ length: size }, (_, i) => i % 251);
  serveRanged(s3Mock, data);
  return data;
}

beforeEach(() => s3Mock.reset());

describe('S3RangeReader', () => {
  it('reads the requested range with one ranged GET pinned to the version', async () => {
    // Prepare
    const data = serveObject(1000);
    const reader = new S3RangeReader(s3, { bucket: 'src', key: 'in/a.mp4', versionId: 'v1', size: 1000 });

    // Act
    const chunk = await reader.read(100, 50);

    // Assess
    expect(Array.from(chunk)).toEqual(Array.from(data.subarray(100, 150)));
    expect(s3Mock).toHaveReceivedCommandTimes(GetObjectCommand, 1);
    expect(s3Mock).toHaveReceivedCommandWith(GetObjectCommand, { Bucket: 'src', Key: 'in/a.mp4', VersionId: 'v1', Range: 'bytes=100-149' });
    expect(reader.stats).toEqual({ bytesRead: 50, requests: 1 });
  });

  it('omits VersionId for an unversioned object and clamps a read past the end', async () => {
    // Prepare
    serveObject(1000);
    const reader = new S3RangeReader(s3, { bucket: 'src', key: 'a.mp4', size: 1000 });

    // Act
    const chunk = await reader.read(900, 500);
    const beyond = await reader.read(1000, 10);

    // Assess
    expect(chunk.length).toBe(100);
    expect(beyond.length).toBe(0);
    const input = s3Mock.commandCalls(GetObjectCommand)[0].args[0].input;
    expect(input).toEqual({ Bucket: 'src', Key: 'a.mp4', Range: 'bytes=900-999' });
    expect(reader.stats).toEqual({ bytesRead: 100, requests: 1 });
  });

  it('serves a re-read from its cache and fetches only the uncached tail', async () => {
    // Prepare
    const data = serveObject(1000);
    const reader = new S3RangeReader(s3, { bucket: 'src', key: 'a.mp4', size: 1000 });
    await reader.read(0, 400);

    // Act
    const inside = await reader.read(48, 200);
    const overlapping = await reader.read(300, 300);

    // Assess
    expect(Array.from(inside)).toEqual(Array.from(data.subarray(48, 248)));
    expect(Array.from(overlapping)).toEqual(Array.from(data.subarray(300, 600)));
    expect(s3Mock).toHaveReceivedCommandTimes(GetObjectCommand, 2);
    expect(s3Mock).toHaveReceivedNthCommandWith(2, GetObjectCommand, { Range: 'bytes=400-599' });
    expect(reader.stats).toEqual({ bytesRead: 600, requests: 2 });
  });

  it('maps NoSuchKey to ObjectNotFound', async () => {
    // Prepare
    s3Mock.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } }));
    const reader = new S3RangeReader(s3, { bucket: 'src', key: 'gone.mp4', size: 10 });

    // Act
    const read = reader.read(0, 10);

    // Assess
    await expect(read).rejects.toBeInstanceOf(ObjectNotFound);
    await expect(read).rejects.toMatchObject({ name: 'ObjectNotFound', context: { bucket: 'src', key: 'gone.mp4' } });
  });

  it('turns a short body (object shrank since the job started) into UnsupportedMedia', async () => {
    // Prepare
    s3Mock.on(GetObjectCommand).resolves({ Body: { transformToByteArray: async () => new Uint8Array(5) } } as never);
    const reader = new S3RangeReader(s3, { bucket: 'src', key: 'a.mp4', size: 10 });

    // Act
    const read = reader.read(0, 10);

    // Assess
    await expect(read).rejects.toBeInstanceOf(UnsupportedMedia);
    await expect(read).rejects.toThrow('shorter than its recorded size');
  });

  it('lets throttling and access errors propagate unchanged so the caller can retry or fail', async () => {
    // Prepare
    const slowDown = new S3ServiceException({ name: 'SlowDown', $fault: 'server', $metadata: { httpStatusCode: 503 }, message: 'Please reduce your request rate.' });
    s3Mock.on(GetObjectCommand).rejects(slowDown);
    const reader = new S3RangeReader(s3, { bucket: 'src', key: 'a.mp4', size: 10 });

    // Act
    const read = reader.read(0, 10);

    // Assess
    await expect(read).rejects.toBe(slowDown);
  });
});
