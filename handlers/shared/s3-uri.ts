export interface S3Location {
  readonly bucket: string;
  readonly key: string;
}

/** Parses `s3://bucket/key` (the key may be empty: `s3://bucket/` or `s3://bucket`); throws on anything else. */
export function parseS3Uri(uri: string): S3Location {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!match) throw new TypeError(`Not an s3:// URI: ${uri}`);
  return { bucket: match[1], key: match[2] };
}

export function s3Uri(loc: S3Location): string {
  return `s3://${loc.bucket}/${loc.key}`;
}
