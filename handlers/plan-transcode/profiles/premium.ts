import type { EncodingProfile } from './types';

/**
 * 4K-ready: an HEVC ladder up to 2160p for players that decode HEVC, H.264 fallback rungs up to
 * 1080p for those that do not, in one CMAF group with HLS and DASH manifests (the players pick
 * by CODECS). HEVC max bitrates follow the Apple HLS authoring spec's HEVC ladder (2160p
 * 11.6-16.8 Mb/s, 1440p ~8.1, 1080p ~5.8, 720p ~3 Mb/s), H.264 fallbacks the standard ladder.
 * https://developer.apple.com/documentation/http-live-streaming/hls-authoring-specification-for-apple-devices
 * Accelerated transcoding from 10 minutes of source: HEVC 4K encodes are the slow ones.
 * https://docs.aws.amazon.com/mediaconvert/latest/ug/accelerated-transcoding.html
 */
export const premium: EncodingProfile = {
  name: 'premium',
  description: 'HEVC ladder up to 2160p + H.264 fallback rungs, CMAF with HLS and DASH manifests + thumbnails',
  ladders: [
    {
      codec: 'H_265',
      namePrefix: '_hevc',
      rungs: [
        { shortSide: 2160, maxBitrate: 16_000_000, qvbrQualityLevel: 9 },
        { shortSide: 1440, maxBitrate: 9_000_000, qvbrQualityLevel: 8 },
        { shortSide: 1080, maxBitrate: 6_000_000, qvbrQualityLevel: 8 },
        { shortSide: 720, maxBitrate: 3_000_000, qvbrQualityLevel: 7 },
      ],
    },
    {
      codec: 'H_264',
      namePrefix: '_avc',
      rungs: [
        { shortSide: 1080, maxBitrate: 6_000_000, qvbrQualityLevel: 8 },
        { shortSide: 720, maxBitrate: 3_500_000, qvbrQualityLevel: 7 },
        { shortSide: 540, maxBitrate: 2_000_000, qvbrQualityLevel: 7 },
        { shortSide: 360, maxBitrate: 1_000_000, qvbrQualityLevel: 6 },
      ],
    },
  ],
  packaging: [{ type: 'cmaf' }],
  audio: { codec: 'AAC', bitrate: 192_000, sampleRate: 48_000 },
  frameCaptures: { type: 'thumbnails', maxShortSide: 720 },
  options: { acceleratedFromSeconds: 600 },
};
