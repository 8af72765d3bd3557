import { LADDER_CANDIDATES } from '../ladder';
import type { EncodingProfile } from './types';

/**
 * Today's outputs, unchanged byte for byte (__tests__/handlers/plan-golden.test.ts): an MP4 at
 * the top rung, an H.264 HLS QVBR ladder capped at 1080p and at the source, and thumbnails.
 * Plays everywhere HLS does (Safari, hls.js, every phone); the default.
 */
export const standard: EncodingProfile = {
  name: 'standard',
  description: 'MP4 at the top rung + H.264 HLS ladder up to 1080p + thumbnails',
  ladders: [{ codec: 'H_264', rungs: LADDER_CANDIDATES, namePrefix: '' }],
  packaging: [{ type: 'mp4' }, { type: 'hls' }],
  audio: { codec: 'AAC', bitrate: 128_000, sampleRate: 48_000 },
  frameCaptures: { type: 'thumbnails', maxShortSide: 720 },
  options: {},
};
