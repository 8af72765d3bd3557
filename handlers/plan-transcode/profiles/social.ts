import { DEFAULT_QUALITY_THRESHOLDS } from '../../shared/quality-thresholds';
import type { EncodingProfile } from './types';

/**
 * Clips for social networks: one H.264 MP4 per aspect (16:9 feed, 1:1 square, 9:16 stories and
 * shorts), each a center crop of the source (ScalingBehavior FILL) with the short side at most
 * 1080 and never above what the source covers, plus one poster frame. No streaming ladder:
 * the platforms re-encode uploads themselves.
 * Every MP4 is a finished deliverable, not a step down a ladder, so every one must meet the
 * top-rung picture-quality floors (the quality gate counts only the largest size as "top").
 */
export const social: EncodingProfile = {
  name: 'social',
  description: 'One H.264 MP4 per aspect (16:9, 1:1, 9:16), 1080 short side max + a poster frame',
  // No streaming ladder: the MP4s are sized per aspect below.
  ladders: [],
  packaging: [
    {
      type: 'mp4-per-aspect',
      maxShortSide: 1080,
      rung: { shortSide: 1080, maxBitrate: 8_000_000, qvbrQualityLevel: 8 },
      aspects: [
        { name: '16x9', width: 16, height: 9 },
        { name: '1x1', width: 1, height: 1 },
        { name: '9x16', width: 9, height: 16 },
      ],
    },
  ],
  audio: { codec: 'AAC', bitrate: 128_000, sampleRate: 48_000 },
  frameCaptures: { type: 'poster', maxShortSide: 1080 },
  options: {},
  quality: { otherRungs: DEFAULT_QUALITY_THRESHOLDS.topRung },
};
