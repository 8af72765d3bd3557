import type { LadderRung, MediaMetadata } from '../shared/job';

/**
 * Candidate rungs by SHORT side (so a portrait 1080x1920 source gets a "1080p" rung too).
 *
 * Max bitrates follow the Apple HLS authoring spec's H.264 ladder (1080p 6 Mb/s, 720p
 * 3-4.5 Mb/s, 540p 2 Mb/s, 360p ~1 Mb/s, 270p ~0.6 Mb/s) and serve as QVBR's ceiling: QVBR
 * spends less on easy content and only reaches the cap on hard scenes. QVBR quality levels
 * follow the MediaConvert guide's advice (8 for 1080p on big screens, 7 for 720p/540p,
 * 6 for small renditions watched on phones, where the extra bits are not visible).
 * https://docs.aws.amazon.com/mediaconvert/latest/ug/qvbr-guidelines.html
 */
export interface RungCandidate {
  readonly shortSide: number;
  readonly maxBitrate: number;
  readonly qvbrQualityLevel: number;
}

export const LADDER_CANDIDATES: readonly RungCandidate[] = [
  { shortSide: 1080, maxBitrate: 6_000_000, qvbrQualityLevel: 8 },
  { shortSide: 720, maxBitrate: 3_500_000, qvbrQualityLevel: 7 },
  { shortSide: 540, maxBitrate: 2_000_000, qvbrQualityLevel: 7 },
  { shortSide: 360, maxBitrate: 1_000_000, qvbrQualityLevel: 6 },
  { shortSide: 270, maxBitrate: 600_000, qvbrQualityLevel: 6 },
];

/** A source-size rung replaces candidates closer than this to it (a 370p source: no 360p rung). */
const MIN_RUNG_STEP = 0.85;
/** Floor for a source-size rung's bitrate (tiny sources: 160x90 still needs headers and audio). */
const MIN_BITRATE = 150_000;

export interface PlannedRung extends LadderRung {
  /** Short side, used in name modifiers (`_720p`). */
  readonly shortSide: number;
}

/**
 * The ladder of one codec for a source (`candidates` largest first; the standard H.264 ladder by default), planned on its DISPLAY size (after rotation; MediaConvert
 * rotates with `Rotate: AUTO`). Rules:
 * - never upscale: no rung wider or taller than the source's display size;
 * - the top rung is the source itself when its short side is below 1080 and not a candidate
 *   (854x480 gets 854x480, not only 640x360), and 1080 for anything larger (4K is capped);
 * - the long side comes from the display aspect ratio, both sides even (H.264 4:2:0);
 * - portrait sources get portrait rungs (width < height).
 * Rungs are ordered from the largest down.
 */
export function planLadder(
  metadata: Pick<MediaMetadata, 'displayWidth' | 'displayHeight' | 'displayAspectRatio'>,
  candidates: readonly RungCandidate[] = LADDER_CANDIDATES,
): PlannedRung[] {
  const { displayWidth, displayHeight } = metadata;
  const portrait = displayHeight > displayWidth;
  const sourceShort = Math.min(displayWidth, displayHeight);
  const sourceLong = Math.max(displayWidth, displayHeight);
  const dar = metadata.displayAspectRatio > 0 ? metadata.displayAspectRatio : displayWidth / displayHeight;
  const aspect = dar >= 1 ? dar : 1 / dar;

  const maxShort = evenFloor(sourceShort);
  const maxLong = evenFloor(sourceLong);
  const rung = (shortSide: number, maxBitrate: number, qvbrQualityLevel: number): PlannedRung => {
    const longSide = Math.min(maxLong, evenRound(shortSide * aspect));
    return {
      shortSide,
      width: portrait ? shortSide : longSide,
      height: portrait ? longSide : shortSide,
      maxBitrate,
      qvbrQualityLevel,
    };
  };

  const fitting = candidates.filter((c) => c.shortSide <= maxShort);
  const rungs: PlannedRung[] = [];
  if (fitting[0]?.shortSide !== maxShort && maxShort < candidates[0].shortSide) {
    // Source-size top rung: bitrate and quality of the next larger candidate, scaled by pixel count.
    const larger = [...candidates].reverse().find((c) => c.shortSide > maxShort) ?? candidates[0];
    const bitrate = scaledBitrate(larger.maxBitrate, (maxShort / larger.shortSide) ** 2);
    rungs.push({
      shortSide: maxShort,
      width: portrait ? maxShort : maxLong,
      height: portrait ? maxLong : maxShort,
      maxBitrate: bitrate,
      qvbrQualityLevel: larger.qvbrQualityLevel,
    });
  }
  for (const candidate of fitting) {
    if (rungs.length > 0 && candidate.shortSide > rungs[0].shortSide * MIN_RUNG_STEP) continue;
    rungs.push(rung(candidate.shortSide, candidate.maxBitrate, candidate.qvbrQualityLevel));
  }
  return rungs;
}

/** Scales a bit rate by a pixel ratio, rounded up to 50 kb/s, never below the floor for tiny pictures. */
export function scaledBitrate(maxBitrate: number, pixelRatio: number): number {
  return Math.max(MIN_BITRATE, Math.ceil((maxBitrate * pixelRatio) / 50_000) * 50_000);
}

export function evenRound(value: number): number {
  return Math.max(2, Math.round(value / 2) * 2);
}

export function evenFloor(value: number): number {
  return Math.max(2, Math.floor(value / 2) * 2);
}
