/**
 * S3 "the object (or the requested version) is not there": HeadObject answers a bare 404
 * (`NotFound`), GetObject `NoSuchKey`, and either `NoSuchVersion` for a missing version.
 * Anything else (throttling, 5xx, AccessDenied) is not "not found".
 */
export function isS3NotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } } | null | undefined;
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.name === 'NoSuchVersion' || e?.$metadata?.httpStatusCode === 404;
}
