import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { validateAgainstModel, loadMediaConvertModel } from '../helpers/mediaconvert-model';

const run = promisify(execFile);
const ROOT = path.join(__dirname, '../..');
const MEDIA = path.join(ROOT, '__tests__/fixtures/media');

/** `npm run plan -- <args>` as a user runs it (tsx, a fresh process). */
async function plan(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'scripts/plan.ts', ...args], { cwd: ROOT, timeout: 170_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('npm run plan', () => {
  it.each([
    ['landscape.mp4', 'standard', ['320x180']],
    ['portrait-no-audio.mp4', 'premium', ['180x320', '180x320']],
    ['rotated-90.mp4', 'social', []], // MP4 per aspect, no streaming ladder
    ['long-120s.mp4', 'auto-abr', []],
  ])('%s --profile %s --json: one JSON object as the last line, settings valid against the MediaConvert model', async (file, profile, ladder) => {
    // Act
    const result = await plan(path.join(MEDIA, file), '--profile', profile, '--json');

    // Assess
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    const json = JSON.parse(lines.at(-1)!) as { metadata: { durationSeconds: number }; profile: string; settings: unknown; ladder: { width: number; height: number }[]; expectedOutputs: unknown[]; estimate: { billedMinutes: number; usd: number; lines: unknown[] } };
    expect(Object.keys(json)).toEqual(['metadata', 'profile', 'settings', 'ladder', 'expectedOutputs', 'estimate']);
    expect(json.profile).toBe(profile);
    expect(json.ladder.map((r) => `${r.width}x${r.height}`)).toEqual(ladder);
    expect(json.expectedOutputs.length).toBeGreaterThan(1);
    expect(json.estimate.billedMinutes).toBeGreaterThan(0);
    expect(json.estimate.usd).toBeGreaterThan(0);
    expect(validateAgainstModel(loadMediaConvertModel(), 'JobSettings', json.settings)).toEqual([]);
    // The human-readable part comes first: ladder, outputs, estimate, then the Settings.
    expect(result.stdout).toContain(`profile ${profile}:`);
    expect(result.stdout).toContain('MediaConvert CreateJob Settings:');
  }, 180_000);

  it('rejects a file that is not media with the named error and exit code 2', async () => {
    // Act
    const result = await plan(path.join(MEDIA, 'not-media.mp4'));

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^plan: UnsupportedMedia: /);
    expect(result.stdout).toBe('');
  }, 180_000);

  it('rejects an unknown profile, a missing file and no arguments with exit code 2', async () => {
    // Act
    const [unknown, missing, none] = await Promise.all([
      plan(path.join(MEDIA, 'landscape.mp4'), '--profile', 'ultra'),
      plan(path.join(MEDIA, 'nope.mp4')),
      plan(),
    ]);

    // Assess
    expect(unknown).toMatchObject({ code: 2, stderr: expect.stringContaining('UnknownProfile: Unknown profile "ultra"; shipped profiles: standard, premium, social, auto-abr') });
    expect(missing).toMatchObject({ code: 2, stderr: expect.stringContaining('is not a file') });
    expect(none).toMatchObject({ code: 2, stderr: expect.stringContaining('usage: npm run plan -- <video file>') });
  }, 180_000);
});
