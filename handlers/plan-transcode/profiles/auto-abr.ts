import type { EncodingProfile } from './types';

/**
 * MediaConvert Automated ABR: MediaConvert analyses the source and picks up to 6 H.264
 * renditions between 400 kb/s and 6 Mb/s average in one CMAF group (HLS + DASH). Needs QVBR and
 * MULTI_PASS_HQ (set by the planner); AWS recommends accelerated transcoding with it.
 * https://docs.aws.amazon.com/mediaconvert/latest/ug/auto-abr.html
 * https://docs.aws.amazon.com/mediaconvert/latest/ug/feature-restrictions-for-automated-abr.html
 */
export const autoAbr: EncodingProfile = {
  name: 'auto-abr',
  description: 'MediaConvert Automated ABR (up to 6 H.264 renditions, 0.4-6 Mb/s) in CMAF HLS + DASH + thumbnails',
  ladders: [{ codec: 'H_264', namePrefix: '', rungs: [{ shortSide: 1080, maxBitrate: 6_000_000, qvbrQualityLevel: 8 }] }],
  packaging: [{ type: 'cmaf' }],
  audio: { codec: 'AAC', bitrate: 128_000, sampleRate: 48_000 },
  frameCaptures: { type: 'thumbnails', maxShortSide: 720 },
  options: {
    acceleratedFromSeconds: 0,
    automatedAbr: { codec: 'H_264', maxRenditions: 6, minAbrBitrate: 400_000, maxAbrBitrate: 6_000_000, maxQualityLevel: 9 },
  },
};
