import { posix } from 'node:path';
import { parseS3Uri } from '../handlers/shared/s3-uri';

// One parser for the handlers and the local runner.
export { parseS3Uri, s3Uri, type S3Location } from '../handlers/shared/s3-uri';

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
