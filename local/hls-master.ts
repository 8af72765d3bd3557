import { readFile, stat } from 'node:fs/promises';
import { posix } from 'node:path';
import type { ProbeResult } from './ffmpeg';

import { Parser } from 'm3u8-parser';

export interface RenditionStats {
  readonly segmentCount: number;
  readonly durationMs: number;
  /** Peak segment bit rate (bits/s): what HLS BANDWIDTH means (RFC 8216 4.3.4.2). */
  readonly peakBitrate: number;
  readonly averageBitrate: number;
  /** Bytes of all segments. */
  readonly bytes: number;
  /** Local paths of the segment files. */
  readonly segmentPaths: readonly string[];
}

/**
 * Reads a media playlist ffmpeg wrote and measures its segments. `fileOf` maps a playlist or
 * segment path to the file holding it (the review server reads them from s3rver's folder).
 */
export async function measureRendition(playlistPath: string, fileOf: (path: string) => string = (p) => p): Promise<RenditionStats> {
  const parser = new Parser();
  parser.push(await readFile(fileOf(playlistPath), 'utf8'));
  parser.end();
  const segments = parser.manifest.segments ?? [];
  const dir = posix.dirname(playlistPath);
  let peak = 0;
  let bytes = 0;
  let seconds = 0;
  const segmentPaths: string[] = [];
  for (const seg of segments) {
    const path = posix.join(dir, seg.uri);
    const size = (await stat(fileOf(path))).size;
    segmentPaths.push(path);
    bytes += size;
    seconds += seg.duration;
    if (seg.duration > 0) peak = Math.max(peak, (size * 8) / seg.duration);
  }
  return {
    segmentCount: segments.length,
    durationMs: Math.round(seconds * 1000),
    peakBitrate: Math.round(peak),
    averageBitrate: seconds > 0 ? Math.round((bytes * 8) / seconds) : 0,
    bytes,
    segmentPaths,
  };
}

/** RFC 6381 codec string of a probed rendition, e.g. `avc1.64001f,mp4a.40.2`. */
export function codecsOf(probe: ProbeResult): string {
  const codecs: string[] = [];
  for (const s of probe.streams) {
    if (s.codec_type === 'video' && s.codec_name === 'h264') {
      const profile = (s.profile ?? 'High').toLowerCase();
      const [idc, constraints] = profile.includes('baseline')
        ? ['42', profile.includes('constrained') ? 'c0' : '00']
        : profile === 'main'
          ? ['4d', '40']
          : ['64', '00'];
      const level = (s.level ?? 31).toString(16).padStart(2, '0');
      codecs.push(`avc1.${idc}${constraints}${level}`);
    } else if (s.codec_type === 'video' && s.codec_name === 'hevc') {
      // Main profile, main tier, level as ffprobe reports it (30 x the level number).
      codecs.push(`hvc1.1.6.L${s.level ?? 93}.90`);
    } else if (s.codec_type === 'audio' && s.codec_name === 'aac') {
      codecs.push(s.profile === 'HE-AAC' ? 'mp4a.40.5' : 'mp4a.40.2');
    }
  }
  return codecs.join(',');
}

export interface MasterEntry {
  /** Playlist file name relative to the master (same folder, as MediaConvert writes it). */
  readonly uri: string;
  readonly stats: RenditionStats;
  readonly width: number;
  readonly height: number;
  readonly frameRate?: number;
  readonly codecs: string;
}

/** A CMAF group's audio rendition: its own playlist, referenced from every variant. */
export interface MasterAudio {
  readonly uri: string;
  readonly codecs: string;
  readonly stats: RenditionStats;
}

/**
 * The multivariant (master) playlist listing every rendition, as MediaConvert writes one per
 * HLS group; with `audio` (CMAF: audio is its own output) an EXT-X-MEDIA audio group that every
 * variant references, version 7 for the fMP4 media playlists.
 */
export function renderMaster(entries: readonly MasterEntry[], audio?: MasterAudio): string {
  const lines = ['#EXTM3U', `#EXT-X-VERSION:${audio === undefined ? 3 : 7}`, '#EXT-X-INDEPENDENT-SEGMENTS'];
  if (audio !== undefined) lines.push(`#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="audio",DEFAULT=YES,AUTOSELECT=YES,URI="${audio.uri}"`);
  for (const e of entries) {
    const attrs = [
      `BANDWIDTH=${e.stats.peakBitrate + (audio?.stats.peakBitrate ?? 0)}`,
      `AVERAGE-BANDWIDTH=${e.stats.averageBitrate + (audio?.stats.averageBitrate ?? 0)}`,
      `CODECS="${audio === undefined ? e.codecs : [e.codecs, audio.codecs].filter((c) => c !== '').join(',')}"`,
      ...(audio !== undefined ? ['AUDIO="audio"'] : []),
      `RESOLUTION=${e.width}x${e.height}`,
      ...(e.frameRate ? [`FRAME-RATE=${e.frameRate.toFixed(3)}`] : []),
    ];
    lines.push(`#EXT-X-STREAM-INF:${attrs.join(',')}`, e.uri);
  }
  return `${lines.join('\n')}\n`;
}
