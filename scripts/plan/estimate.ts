import type { JobSettings } from '@aws-sdk/client-mediaconvert';
import { billedOutputs, pricingDimension, resolutionClass, type BilledOutput } from '../../bench/cost';
import { MEDIACONVERT_RATES } from '../../bench/prices';

export interface EstimateLine {
  /** `Basic HD <=30fps`, `frame capture (HD)`, `audio-only`. */
  readonly dimension: string;
  readonly outputs: number;
  readonly minutes: number;
  /** USD at list price; absent for dimensions that are not priced (frame capture, audio-only). */
  readonly usd?: number;
}

export interface Estimate {
  readonly billedMinutes: number;
  readonly usd: number;
  readonly lines: readonly EstimateLine[];
  readonly notes: readonly string[];
  readonly rates: typeof MEDIACONVERT_RATES;
}

/**
 * Billed output minutes and list price of one job's settings, by pricing dimension, with the
 * bench's counting rules (bench/cost.ts: 1 s increments, 10 s minimum per output, resolution
 * class by pixel count, tier by codec and passes). An Automated ABR base output counts as the
 * group's MaxRenditions outputs at the source's class: an upper bound, since MediaConvert may
 * pick fewer or smaller renditions.
 */
export function estimateCost(settings: JobSettings, source: { durationSeconds: number; frameRate: number; displayWidth: number; displayHeight: number }): Estimate {
  const notes: string[] = [];
  const outputs: BilledOutput[] = billedOutputs(settings, source).flatMap((o) => {
    if (o.kind !== 'video' || (o.width ?? 0) > 0) return [o];
    const group = settings.OutputGroups?.find((g) => g.Name === o.group);
    const renditions = group?.AutomatedEncodingSettings?.AbrSettings?.MaxRenditions ?? 1;
    notes.push(`${o.group}: Automated ABR counted as ${renditions} renditions at the source size (upper bound)`);
    return Array.from({ length: renditions }, () => ({ ...o, width: source.displayWidth, height: source.displayHeight, resolution: resolutionClass(source.displayWidth, source.displayHeight) }));
  });
  const byDimension = new Map<string, { outputs: number; minutes: number; usd?: number }>();
  for (const o of outputs) {
    const dimension = pricingDimension(o);
    const rate =
      o.kind === 'video' && o.tier !== undefined && o.resolution !== undefined
        ? MEDIACONVERT_RATES.perMinute[o.tier][o.resolution] * (o.frameRate === '<=30fps' ? 1 : MEDIACONVERT_RATES.above30fpsMultiplier)
        : undefined;
    const line = byDimension.get(dimension) ?? { outputs: 0, minutes: 0, ...(rate !== undefined ? { usd: 0 } : {}) };
    line.outputs += 1;
    line.minutes += o.minutes;
    if (rate !== undefined) line.usd = (line.usd ?? 0) + rate * o.minutes;
    byDimension.set(dimension, line);
  }
  const lines = [...byDimension].map(([dimension, l]) => ({ dimension, ...l, ...(l.usd !== undefined ? { usd: round(l.usd) } : {}) }));
  if (!MEDIACONVERT_RATES.verified) notes.push(MEDIACONVERT_RATES.caveat);
  if (lines.some((l) => l.usd === undefined)) notes.push('frame captures and audio-only outputs are listed in minutes, not priced (billing unverified)');
  return {
    billedMinutes: round(outputs.reduce((sum, o) => sum + o.minutes, 0)),
    usd: round(lines.reduce((sum, l) => sum + (l.usd ?? 0), 0)),
    lines,
    notes,
    rates: MEDIACONVERT_RATES,
  };
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
