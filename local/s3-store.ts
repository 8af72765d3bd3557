import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { S3Location } from './s3-uri';
import type { ObjectStore } from './transcoder';

/** Streams files to and from S3 (s3rver locally); what the transcoder and the runner copy with. */
export class S3ObjectStore implements ObjectStore {
  constructor(private readonly s3: Pick<S3Client, 'send'>) {}

  async download(from: S3Location, toPath: string): Promise<void> {
    const out = await this.s3.send(new GetObjectCommand({ Bucket: from.bucket, Key: from.key }));
    if (!out.Body) throw new Error(`s3://${from.bucket}/${from.key} has no body`);
    await mkdir(dirname(toPath), { recursive: true });
    await pipeline(out.Body as Readable, createWriteStream(toPath));
  }

  async upload(fromPath: string, to: S3Location, contentType: string): Promise<void> {
    const { size } = await stat(fromPath);
    await this.s3.send(
      new PutObjectCommand({
        Bucket: to.bucket,
        Key: to.key,
        Body: createReadStream(fromPath),
        ContentLength: size,
        ContentType: contentType,
      }),
    );
  }

  /** Every key under a prefix (paginated). */
  async list(bucket: string, prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
      for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }
}
