import { readFileSync } from 'node:fs';
import { planTranscode } from '../../handlers/plan-transcode/plan';
import { PLAN_CONFIG, PLAN_JOB_ID, PLAN_SOURCE, STANDARD_GOLDEN_FILE, type GoldenPlan } from '../fixtures/plan-cases';

const GOLDEN: readonly GoldenPlan[] = JSON.parse(readFileSync(STANDARD_GOLDEN_FILE, 'utf8'));

describe('standard profile: the captured pre-profile plans, byte for byte', () => {
  it('covers the synthetic sources and every media fixture the tests run', () => {
    // Assess
    expect(GOLDEN.length).toBeGreaterThanOrEqual(22);
    expect(GOLDEN.filter((g) => g.name.startsWith('media ')).map((g) => g.name)).toEqual([
      'media landscape.mp4', 'media portrait-no-audio.mp4', 'media rotated-90.mp4', 'media short-0.5s.mp4', 'media long-120s.mp4', 'media 8k-0.4s.mp4',
    ]);
  });

  it.each(GOLDEN.map((g) => [g.name, g] as const))('%s', (_name, golden) => {
    // Act
    const { settings, ladder, expectedOutputs, thumbnailCount, outputPrefix } = planTranscode(
      { jobId: PLAN_JOB_ID, source: PLAN_SOURCE, metadata: golden.metadata },
      PLAN_CONFIG,
    );

    // Assess: same JSON text (key order included), so MediaConvert receives the same request
    expect(JSON.stringify(settings)).toBe(JSON.stringify(golden.plan.settings));
    expect(JSON.stringify({ ladder, expectedOutputs, thumbnailCount, outputPrefix })).toBe(
      JSON.stringify({ ladder: golden.plan.ladder, expectedOutputs: golden.plan.expectedOutputs, thumbnailCount: golden.plan.thumbnailCount, outputPrefix: golden.plan.outputPrefix }),
    );
  });
});
