/**
 * `npm run plan -- <video file> [--profile NAME] [--json]`: what a job would produce and cost,
 * before paying. Probes the file with extract-metadata's own code (scripts/plan/probe-file.ts),
 * plans it with plan-transcode's, and prints the ladder, the exact `Settings` of the
 * MediaConvert CreateJob request, the expected outputs and the billed output minutes with a
 * list-price estimate by pricing tier. `--json` prints one JSON object
 * `{metadata, profile, settings, ladder, expectedOutputs, estimate}` as the last line.
 * Exit codes: 0 planned, 2 bad usage or a file/profile the pipeline would reject (named error).
 */
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { DEFAULT_MAX_DURATION_SECONDS, DEFAULT_THUMBNAIL_INTERVAL_SECONDS, MAX_THUMBNAILS, planTranscode } from '../handlers/plan-transcode/plan';
import { DEFAULT_PROFILE, getProfile, PROFILE_NAMES } from '../handlers/plan-transcode/profiles';
import { WorkflowError } from '../handlers/shared/errors';
import { estimateCost } from './plan/estimate';
import { probeFile } from './plan/probe-file';

const USAGE = `usage: npm run plan -- <video file> [--profile ${PROFILE_NAMES.join('|')}] [--json]`;

class UsageError extends Error {
  override readonly name = 'UsageError';
}

interface Args {
  readonly file: string;
  readonly profile: string;
  readonly json: boolean;
}

export function parsePlanArgs(argv: readonly string[]): Args {
  let file: string | undefined;
  let profile = DEFAULT_PROFILE;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--json') json = true;
    else if (arg === '--profile') {
      const value = argv[++i];
      if (value === undefined || value.startsWith('--')) throw new UsageError('--profile needs a profile name');
      profile = value;
    } else if (arg.startsWith('--profile=')) profile = arg.slice('--profile='.length);
    else if (arg.startsWith('--')) throw new UsageError(`unknown option ${arg}`);
    else if (file === undefined) file = arg;
    else throw new UsageError(`one video file at a time (got ${file} and ${arg})`);
  }
  if (file === undefined) throw new UsageError('no video file given');
  return { file, profile, json };
}

async function main(argv: readonly string[]): Promise<number> {
  const args = parsePlanArgs(argv);
  const profile = getProfile(args.profile);
  if (!existsSync(args.file) || !statSync(args.file).isFile()) throw new UsageError(`${args.file} is not a file`);

  const { source, metadata } = await probeFile(args.file);
  const jobId = createHash('sha256').update(`${source.key}\n${source.size}`).digest('hex').slice(0, 32);
  const plan = planTranscode(
    { jobId, source, metadata, profile: profile.name },
    {
      outputBucket: process.env.OUTPUT_BUCKET || 'output-bucket',
      maxDurationSeconds: Number(process.env.MAX_DURATION_SECONDS) || DEFAULT_MAX_DURATION_SECONDS,
      thumbnailIntervalSeconds: DEFAULT_THUMBNAIL_INTERVAL_SECONDS,
      maxThumbnails: MAX_THUMBNAILS,
    },
  );
  const estimate = estimateCost(plan.settings, metadata);
  const out = (line = '') => process.stdout.write(`${line}\n`);

  out(`${args.file}: ${metadata.container}, ${metadata.displayWidth}x${metadata.displayHeight} (display), ${metadata.durationSeconds} s, ${metadata.frameRate} fps, ${metadata.videoCodec}, ${metadata.audioTrackCount} audio track(s)`);
  out(`profile ${profile.name}: ${profile.description}`);
  out(`acceleration: ${plan.accelerationSettings.Mode}`);
  out();
  out('ladder:');
  if (plan.ladder.length === 0) out('  (Automated ABR: MediaConvert picks the renditions)');
  for (const r of plan.ladder) out(`  ${r.codec ?? 'H_264'} ${r.width}x${r.height}  max ${(r.maxBitrate / 1e6).toFixed(2)} Mb/s  QVBR ${r.qvbrQualityLevel}`);
  out();
  out('expected outputs:');
  for (const o of plan.expectedOutputs) out(`  ${o.kind.padEnd(15)} ${o.uri}${o.width !== undefined ? `  ${o.width}x${o.height}` : ''}`);
  out();
  out(`estimate (${estimate.rates.verified ? `${estimate.rates.source}, list price as of ${estimate.rates.asOf}` : 'rates unverified, see the note'}):`);
  for (const l of estimate.lines) out(`  ${l.dimension.padEnd(28)} ${String(l.outputs).padStart(3)} outputs  ${l.minutes.toFixed(2).padStart(9)} min  ${l.usd === undefined ? '(not priced)' : `$${l.usd.toFixed(4)}`}`);
  out(`  total ${estimate.billedMinutes.toFixed(2)} billed output minutes, about $${estimate.usd.toFixed(4)}`);
  for (const n of estimate.notes) out(`  note: ${n}`);
  out();
  out('MediaConvert CreateJob Settings:');
  out(JSON.stringify(plan.settings, null, 2));
  if (args.json) {
    out(JSON.stringify({ metadata, profile: profile.name, settings: plan.settings, ladder: plan.ladder, expectedOutputs: plan.expectedOutputs, estimate }));
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) process.stderr.write(`plan: ${error.message}\n${USAGE}\n`);
    else if (error instanceof WorkflowError) process.stderr.write(`plan: ${error.name}: ${error.message}\n`);
    else {
      process.stderr.write(`plan: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`);
      process.exit(1);
    }
    process.exit(2);
  },
);
