import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import type { GetObjectCommand } from '@aws-sdk/client-s3';
import { extractMetadata } from '../../handlers/extract-metadata/extract';
import { createMediaInfoProbe } from '../../handlers/extract-metadata/probe';
import type { MediaMetadata, SourceRef } from '../../handlers/shared/job';
import { silentLog } from '../../handlers/shared/logger';
import { DEFAULT_CHUNK_SIZE, type S3Sender } from '../../handlers/shared/s3-range-reader';

/**
 * A local file as the S3 object extract-metadata reads: every ranged GetObject is answered from
 * the file, so `npm run plan` probes with exactly the Lambda's code path (range reader,
 * MediaInfo, the same UnsupportedMedia rules) without an S3 bucket.
 */
export function fileSender(file: string): S3Sender {
  return {
    send: async (command: GetObjectCommand) => {
      const [, from, to] = /^bytes=(\d+)-(\d+)$/.exec(command.input.Range ?? '') ?? [];
      if (from === undefined || to === undefined) throw new Error(`fileSender: GetObject without a byte range (${command.input.Range})`);
      const handle = await open(file, 'r');
      try {
        const length = Number(to) - Number(from) + 1;
        const buffer = Buffer.alloc(length);
        const { bytesRead } = await handle.read(buffer, 0, length, Number(from));
        const bytes = new Uint8Array(buffer.subarray(0, bytesRead));
        return { Body: { transformToByteArray: () => Promise.resolve(bytes) }, ContentLength: bytesRead };
      } finally {
        await handle.close();
      }
    },
  };
}

/** The SourceRef a local file stands for (bucket `local`, key `uploads/<file name>`). */
export async function localSource(file: string): Promise<SourceRef> {
  const { size } = await stat(file);
  return { bucket: 'local', key: `uploads/${path.basename(file)}`, etag: '"local"', size };
}

/** Probes a local file with extract-metadata's code; throws its named errors (UnsupportedMedia, ...). */
export async function probeFile(file: string): Promise<{ source: SourceRef; metadata: MediaMetadata }> {
  const source = await localSource(file);
  const metadata = await extractMetadata(
    { jobId: 'local', source },
    { s3: fileSender(file), probe: createMediaInfoProbe(DEFAULT_CHUNK_SIZE), log: silentLog },
  );
  return { source, metadata };
}
