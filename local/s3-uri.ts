import { posix } from 'node:path';

export interface S3Location {
  readonly bucket: string;
  readonly key: string;
}

/** Parses `s3://bucket/key`; throws on anything else. */
export function parseS3Uri(uri: string): S3Location {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!match) throw new Error(`Not an s3:// URI: ${uri}`);
  return { bucket: match[1]!, key: match[2]! };
}

export function s3Uri(loc: S3Location): string {
  return `s3://${loc.bucket}/${loc.key}`;
}

/**
 * Splits a MediaConvert Destination into the folder and the base file name, as MediaConvert
 * does: a Destination ending in `/` takes the input file's name without its extension;
 * otherwise the last path segment is the base name.
 * https://docs.aws.amazon.com/mediaconvert/latest/ug/output-file-names-and-paths.html
 */
export function splitDestination(destination: string, inputUri: string): { dir: string; base: string } {
  if (destination.endsWith('/')) {
    const inputName = posix.basename(parseS3Uri(inputUri).key);
    const ext = posix.extname(inputName);
    return { dir: destination, base: ext ? inputName.slice(0, -ext.length) : inputName };
  }
  const slash = destination.lastIndexOf('/');
  return { dir: destination.slice(0, slash + 1), base: destination.slice(slash + 1) };
}
