import type { AudioTrack, GeneralTrack, MediaInfoResult, VideoTrack } from 'mediainfo.js';
import { UnsupportedMedia } from '../shared/errors';
import type { MediaMetadata } from '../shared/job';

/** Why a probed object is not a video we can transcode; part of the UnsupportedMedia message. */
export type UnsupportedReason = 'zero-bytes' | 'not-media' | 'truncated' | 'audio-only' | 'no-video-track' | 'unreadable';

export const UNSUPPORTED_MESSAGES: Readonly<Record<UnsupportedReason, string>> = {
  'zero-bytes': 'Source object is empty (zero bytes)',
  'not-media': 'Source is not a recognised media container (not media, or its start is missing)',
  truncated: 'Source is truncated (the container is incomplete)',
  'audio-only': 'Source has audio but no video track (audio-only)',
  'no-video-track': 'Source has no video track',
  unreadable: 'Source video track is unreadable (no dimensions or duration)',
};

export function unsupported(reason: UnsupportedReason, context: Record<string, unknown> = {}, cause?: unknown): UnsupportedMedia {
  return new UnsupportedMedia(UNSUPPORTED_MESSAGES[reason], { cause, context: { reason, ...context } });
}

/**
 * Maps a MediaInfo result to MediaMetadata, or throws UnsupportedMedia naming the reason.
 * `bytesRead` is what the probe cost (ranged GETs), carried for logging and cost.
 */
export function toMediaMetadata(result: MediaInfoResult, bytesRead: number): MediaMetadata {
  const tracks = result.media?.track ?? [];
  const general = tracks.find((t): t is GeneralTrack => t['@type'] === 'General');
  const video = tracks.find((t): t is VideoTrack => t['@type'] === 'Video');
  const audio = tracks.filter((t): t is AudioTrack => t['@type'] === 'Audio');

  if (general?.Format === undefined) throw unsupported('not-media');
  if (general.extra?.IsTruncated === 'Yes') throw unsupported('truncated', { container: general.Format });
  if (video === undefined) {
    throw unsupported(audio.length > 0 ? 'audio-only' : 'no-video-track', { container: general.Format });
  }

  const width = video.Width ?? 0;
  const height = video.Height ?? 0;
  const durationSeconds = general.Duration ?? video.Duration ?? 0;
  if (width <= 0 || height <= 0 || !(durationSeconds > 0)) {
    throw unsupported('unreadable', { container: general.Format, width, height, durationSeconds });
  }

  const rotation = normaliseRotation(video.Rotation);
  // Anamorphic sources (PAR != 1) display wider or narrower than stored; MediaInfo's DAR says how.
  const storedAspect = width / height;
  const aspect = video.DisplayAspectRatio !== undefined && video.DisplayAspectRatio > 0 ? video.DisplayAspectRatio : storedAspect;
  const sampleWidth = Math.abs(aspect - storedAspect) > 0.01 ? Math.round(height * aspect) : width;
  const quarterTurn = rotation === 90 || rotation === 270;
  const displayWidth = quarterTurn ? height : sampleWidth;
  const displayHeight = quarterTurn ? sampleWidth : height;

  return {
    container: general.Format,
    durationSeconds,
    width,
    height,
    displayWidth,
    displayHeight,
    displayAspectRatio: round(displayWidth / displayHeight, 4),
    rotation,
    frameRate: video.FrameRate ?? general.FrameRate ?? 0,
    videoCodec: video.Format ?? 'unknown',
    ...(general.OverallBitRate === undefined ? {} : { bitRate: general.OverallBitRate }),
    audioTrackCount: audio.length,
    ...(audio[0]?.Format === undefined ? {} : { audioCodec: audio[0].Format }),
    ...audioChannelsOf(audio[0]),
    bytesRead,
  };
}

/**
 * MediaInfo reports the track header matrix angle as a string ("270.000"), counter-clockwise;
 * ffmpeg's `rotate=90` tag shows up as 270. Only quarter turns swap width and height. An angle
 * within one degree of a quarter turn is that quarter turn: MediaConvert rounds it the same way
 * ("Input file requirements for video rotation",
 * https://docs.aws.amazon.com/mediaconvert/latest/ug/auto-rotate-requirements.html), so the
 * display size the ladder is planned on matches what MediaConvert outputs.
 */
function normaliseRotation(raw: unknown): number {
  const degrees = typeof raw === 'number' ? raw : Number.parseFloat(typeof raw === 'string' ? raw : '0');
  if (!Number.isFinite(degrees)) return 0;
  const whole = ((Math.round(degrees) % 360) + 360) % 360;
  const quarter = Math.round(whole / 90) * 90;
  return Math.abs(whole - quarter) <= 1 ? quarter % 360 : whole;
}

/** Channel count and layout of the first audio track (plan-transcode's audio remix reads them). */
function audioChannelsOf(track: AudioTrack | undefined): { audioChannels?: number; audioChannelLayout?: string } {
  const channels = Number(track?.Channels);
  const layout = track?.ChannelLayout;
  return {
    ...(Number.isInteger(channels) && channels > 0 ? { audioChannels: channels } : {}),
    ...(typeof layout === 'string' && layout.trim() !== '' ? { audioChannelLayout: layout.trim() } : {}),
  };
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
