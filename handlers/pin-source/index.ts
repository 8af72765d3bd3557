import { s3Client } from '../shared/clients';
import { requireEnv } from '../shared/config';
import { logger } from '../shared/logger';
import type { PinnedSource } from '../shared/pinned-source';
import { parseTaskInput } from '../shared/schemas';
import { PinDeps, pinInputSchema, pinSource } from './pin';

let deps: PinDeps | undefined;

function dependencies(): PinDeps {
  deps ??= { s3: s3Client(), pinBucket: requireEnv('PINNED_SOURCE_BUCKET'), log: logger };
  return deps;
}

/** Step Functions task "PinSource": `{ jobId, source }` -> PinnedSource (`$.pinned`). */
export async function handler(event: unknown): Promise<PinnedSource> {
  const input = parseTaskInput(pinInputSchema, event, 'PinSource');
  logger.appendKeys({ jobId: input.jobId });
  return pinSource(input, dependencies());
}
