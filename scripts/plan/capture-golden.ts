/**
 * Writes __tests__/fixtures/plans/standard.json: the plan of every source in
 * __tests__/fixtures/plan-cases.ts. It was first run on the planner before profiles existed, so
 * the file is "today's outputs" that the `standard` profile must keep byte for byte. Rerun it
 * only for an intended change of the standard outputs, and say so in the commit message.
 *   node --import tsx scripts/plan/capture-golden.ts
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { planTranscode } from '../../handlers/plan-transcode/plan';
import {
  MEDIA_PLAN_FILES, PLAN_CONFIG, PLAN_JOB_ID, PLAN_SOURCE, STANDARD_GOLDEN_FILE, SYNTHETIC_PLAN_CASES, type GoldenPlan,
} from '../../__tests__/fixtures/plan-cases';
import { probeFile } from './probe-file';

async function main(): Promise<void> {
  const cases = [...SYNTHETIC_PLAN_CASES];
  for (const file of MEDIA_PLAN_FILES) {
    const { metadata } = await probeFile(file);
    cases.push({ name: `media ${path.basename(file)}`, metadata });
  }
  const golden: GoldenPlan[] = cases.map(({ name, metadata }) => {
    const { settings, ladder, expectedOutputs, thumbnailCount, outputPrefix } = planTranscode({ jobId: PLAN_JOB_ID, source: PLAN_SOURCE, metadata }, PLAN_CONFIG);
    return { name, metadata, plan: { settings, ladder, expectedOutputs, thumbnailCount, outputPrefix } };
  });
  writeFileSync(STANDARD_GOLDEN_FILE, `${JSON.stringify(golden, null, 2)}\n`);
  process.stdout.write(`wrote ${golden.length} plans to ${path.relative(process.cwd(), STANDARD_GOLDEN_FILE)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
