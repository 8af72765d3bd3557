import type { JobSettings } from '@aws-sdk/client-mediaconvert';
import { posix } from 'node:path';
import { remixFilter, type SourceAudio } from './audio-remix';
import { SettingsReader } from './settings-reader';
import { LOCAL_FRAME_METRICS, type LocalFrameMetric } from './quality-measure';
import { parseS3Uri, splitDestination } from './s3-uri';

/** What the transcoder needs to know about the source (from ffprobe). */
export interface SourceInfo {
  readonly durationMs?: number;
  /** Display size: after the rotation in the source's metadata (what ffmpeg's autorotate shows). */
  readonly width: number;
  readonly height: number;
  /** Stored size, before any rotation (what `-noautorotate` decodes). @default width/height */
  readonly storedWidth?: number;
  readonly storedHeight?: number;
  readonly frameRate?: number;
  readonly audioStreams: number;
  /** The first audio stream's channels and layout (RemixSettings). */
  readonly audio?: SourceAudio;
}

export type LocalOutputKind = 'mp4' | 'hls-rendition' | 'audio-rendition' | 'frame-capture';

/** One MediaConvert output and the files ffmpeg writes for it. */
export interface PlannedOutput {
  readonly kind: LocalOutputKind;
  /** For mp4 and HLS renditions: the file's s3:// URI. For frame capture: `<dir><base><modifier>` (files add `.NNNNNNN.jpg`). */
  readonly uri: string;
  /** Local path of that file (or the frame-capture prefix). */
  readonly localPath: string;
  readonly width?: number;
  readonly height?: number;
  /** Declared video + audio peak bit rate (bits/s), when the settings give one. */
  readonly maxBitrate?: number;
  /** Per-frame metrics to measure against the source (local/quality-measure.ts), from the codec's PerFrameMetrics. */
  readonly frameMetrics?: readonly LocalFrameMetric[];
  /** The filter that turns the decoded source into this output's picture (size, fps): the metrics' reference. */
  readonly referenceFilter?: string;
}

export interface PlannedGroup {
  /** MediaConvert's OutputGroupDetails.Type. */
  readonly type: 'FILE_GROUP' | 'HLS_GROUP' | 'CMAF_GROUP';
  readonly outputs: readonly PlannedOutput[];
  /** HLS only: the master manifest (`<dir><base>.m3u8`). */
  readonly masterUri?: string;
  readonly masterLocalPath?: string;
  /** HLS only: round durations to integers in playlists (ManifestDurationFormat INTEGER). */
  readonly integerDurations?: boolean;
  /** CMAF only: the DASH manifest (`<dir><base>.mpd`) and its segment length. */
  readonly dashUri?: string;
  readonly dashLocalPath?: string;
  readonly segmentSeconds?: number;
}

export interface FfmpegPlan {
  readonly inputUri: string;
  /** ffmpeg arguments after the global ones (input, filter graph, outputs). */
  readonly args: readonly string[];
  readonly groups: readonly PlannedGroup[];
  /** Settings the local transcoder could not honour, each with its path and value. */
  readonly warnings: readonly string[];
  /** How the source picture is decoded before the split (rotation): the quality measurement's reference starts the same way. */
  readonly decode: { readonly inputOptions: readonly string[]; readonly filter?: string };
}

/** Settings that make a faithful local output impossible (an unsupported codec, no input). */
export class UnsupportedSettings extends Error {
  override readonly name = 'UnsupportedSettings';
}

const X264_PRESETS: Readonly<Record<string, string>> = {
  SINGLE_PASS: 'veryfast',
  SINGLE_PASS_HQ: 'fast',
  MULTI_PASS_HQ: 'medium',
};

const H264_PROFILES: Readonly<Record<string, string>> = { BASELINE: 'baseline', MAIN: 'main', HIGH: 'high' };

/** x265 is several times slower than x264: local runs use presets a step or two faster. */
const X265_PRESETS: Readonly<Record<string, string>> = {
  SINGLE_PASS: 'ultrafast',
  SINGLE_PASS_HQ: 'superfast',
  MULTI_PASS_HQ: 'veryfast',
};

const H265_PROFILES: Readonly<Record<string, string>> = { MAIN_MAIN: 'main', MAIN_HIGH: 'main' };

const AAC_CHANNELS: Readonly<Record<string, number>> = {
  CODING_MODE_1_0: 1,
  CODING_MODE_2_0: 2,
  CODING_MODE_5_1: 6,
};

/**
 * x264 has no QVBR; CRF is the closest constant-quality mode. QVBR 7 (MediaConvert's
 * suggestion for most content) maps to CRF 23 (x264's default), 10 to 18, 1 to 33.
 */
export function qvbrToCrf(level: number): number {
  return Math.round(34.7 - 1.67 * Math.min(10, Math.max(1, level)));
}

/** JPEG quality 1..100 (MediaConvert) to ffmpeg's mjpeg -q:v 2..31 (lower is better). */
export function jpegQualityToQscale(quality: number): number {
  return Math.round(2 + ((100 - Math.min(100, Math.max(1, quality))) * 29) / 99);
}

/**
 * Turns MediaConvert JobSettings into one ffmpeg invocation that decodes the source once and
 * writes every output (split filter), with MediaConvert's file names. Pure: no I/O.
 */
export function planFfmpeg(
  settings: JobSettings,
  ctx: { readonly inputPath: string; readonly source: SourceInfo; readonly workDir: string },
): FfmpegPlan {
  const warnings: string[] = [];
  const root = new SettingsReader(settings as Record<string, unknown>, 'Settings', warnings);
  const inputs = root.list('Inputs');
  if (inputs.length === 0) throw new UnsupportedSettings('Settings.Inputs is empty');
  if (inputs.length > 1) warnings.push(`Settings.Inputs has ${inputs.length} inputs; only Inputs[0] is transcoded locally (no stitching)`);
  const input = inputs[0];
  const inputUri = input.str('FileInput');
  if (!inputUri) throw new UnsupportedSettings('Settings.Inputs[0].FileInput is missing');
  parseS3Uri(inputUri);
  const audioMap = readAudioSelection(input, ctx.source);
  const rotation = readVideoSelector(input.section('VideoSelector'));
  // The picture every output scales from: as MediaConvert sees it after its Rotate.
  const source = rotatedSource(ctx.source, rotation);
  input.unsupported('InputClippings', 'clipping is not implemented locally');
  input.finish();
  root.section('TimecodeConfig').finish();

  const localPathOf = (uri: string) => {
    const { bucket, key } = parseS3Uri(uri);
    return posix.join(ctx.workDir, bucket, key);
  };

  const filterChains: string[] = [];
  const outputArgs: string[] = [];
  const unmeasured: string[] = [];
  const groups: PlannedGroup[] = [];
  let streamIndex = 0;

  root.list('OutputGroups').forEach((group) => {
    group.str('Name');
    group.str('CustomName');
    const ogs = group.section('OutputGroupSettings');
    const type = ogs.str('Type');
    const outputs = group.list('Outputs');
    if (type === 'FILE_GROUP_SETTINGS') {
      const fgs = ogs.section('FileGroupSettings');
      const destination = fgs.str('Destination');
      if (!destination) throw new UnsupportedSettings(`${fgs.path}.Destination is missing`);
      fgs.finish();
      const { dir, base } = splitDestination(destination, inputUri);
      const planned = outputs.map((out) => {
        const modifier = out.str('NameModifier') ?? '';
        const container = out.section('ContainerSettings');
        const containerType = container.str('Container');
        const video = out.section('VideoDescription');
        const codecSettings = video.section('CodecSettings');
        const codec = codecSettings.str('Codec');
        const label = `v${streamIndex++}`;
        if (codec === 'FRAME_CAPTURE') {
          if (containerType !== 'RAW') throw new UnsupportedSettings(`${container.path}.Container must be RAW for FRAME_CAPTURE`);
          container.finish();
          const fc = codecSettings.section('FrameCaptureSettings');
          const num = fc.num('FramerateNumerator') ?? 1;
          const den = fc.num('FramerateDenominator') ?? 1;
          const maxCaptures = fc.num('MaxCaptures');
          const quality = fc.num('Quality') ?? 80;
          fc.finish();
          codecSettings.finish();
          const size = readScaling(video, source);
          video.finish();
          out.unsupported('Extension', 'frame captures are always .jpg');
          out.unsupported('AudioDescriptions', 'frame captures have no audio');
          out.finish();
          const uri = `${dir}${base}${modifier}`;
          const localPath = localPathOf(uri);
          filterChains.push(`[${label}in]fps=${num}/${den},${size.filter}[${label}]`);
          outputArgs.push('-map', `[${label}]`, '-an', '-c:v', 'mjpeg', '-q:v', String(jpegQualityToQscale(quality)));
          if (maxCaptures !== undefined) outputArgs.push('-frames:v', String(maxCaptures));
          outputArgs.push('-f', 'image2', '-start_number', '0', `${localPath}.%07d.jpg`);
          return { kind: 'frame-capture' as const, uri, localPath, width: size.width, height: size.height };
        }
        if (containerType !== 'MP4') throw new UnsupportedSettings(`${container.path}.Container=${containerType} is not supported locally (MP4, or RAW frame capture)`);
        const mp4 = container.section('Mp4Settings');
        const faststart = (mp4.str('MoovPlacement') ?? 'PROGRESSIVE_DOWNLOAD') === 'PROGRESSIVE_DOWNLOAD';
        mp4.finish();
        container.finish();
        const extension = out.str('Extension') ?? 'mp4';
        const uri = `${dir}${base}${modifier}.${extension}`;
        const encoded = encodeVideo(label, codec, codecSettings, video, source, filterChains, outputArgs, unmeasured);
        const audioBitrate = readAudioDescriptions(out, audioMap, ctx.source, outputArgs) ?? 0;
        out.finish();
        if (faststart) outputArgs.push('-movflags', '+faststart');
        outputArgs.push('-f', 'mp4', localPathOf(uri));
        return {
          kind: 'mp4' as const,
          uri,
          localPath: localPathOf(uri),
          width: encoded.width,
          height: encoded.height,
          ...(encoded.maxBitrate !== undefined ? { maxBitrate: encoded.maxBitrate + audioBitrate } : {}),
          ...(encoded.frameMetrics !== undefined ? { frameMetrics: encoded.frameMetrics, referenceFilter: encoded.referenceFilter } : {}),
        };
      });
      ogs.finish();
      group.finish();
      groups.push({ type: 'FILE_GROUP', outputs: planned });
      return;
    }
    if (type === 'HLS_GROUP_SETTINGS') {
      const hgs = ogs.section('HlsGroupSettings');
      const destination = hgs.str('Destination');
      if (!destination) throw new UnsupportedSettings(`${hgs.path}.Destination is missing`);
      const segmentLength = hgs.num('SegmentLength') ?? 10;
      const integerDurations = (hgs.str('ManifestDurationFormat') ?? 'FLOATING_POINT') === 'INTEGER';
      const segmentControl = hgs.str('SegmentControl') ?? 'SEGMENTED_FILES';
      if (segmentControl !== 'SEGMENTED_FILES') warnings.push(`${hgs.path}.SegmentControl=${segmentControl} not honoured: segments are written as separate files`);
      const minFinal = hgs.num('MinFinalSegmentLength');
      if (minFinal !== undefined && minFinal !== 0) warnings.push(`${hgs.path}.MinFinalSegmentLength=${minFinal} not honoured: ffmpeg keeps a short last segment`);
      hgs.finish();
      ogs.finish();
      const { dir, base } = splitDestination(destination, inputUri);
      const planned = outputs.map((out) => {
        const modifier = out.str('NameModifier') ?? '';
        if (modifier === '') throw new UnsupportedSettings(`${out.path}.NameModifier is required for HLS outputs`);
        const container = out.section('ContainerSettings');
        const containerType = container.str('Container') ?? 'M3U8';
        if (containerType !== 'M3U8') throw new UnsupportedSettings(`${container.path}.Container=${containerType} is not supported in an HLS group locally (M3U8)`);
        container.finish();
        const hls = out.section('OutputSettings').section('HlsSettings');
        hls.unsupported('SegmentModifier', 'segment names are <base><modifier>_NNNNN.ts');
        hls.str('AudioGroupId');
        hls.unsupported('AudioRenditionSets', 'audio is muxed into each rendition locally');
        hls.finish();
        const video = out.section('VideoDescription');
        const codecSettings = video.section('CodecSettings');
        const codec = codecSettings.str('Codec');
        const label = `v${streamIndex++}`;
        const encoded = encodeVideo(label, codec, codecSettings, video, source, filterChains, outputArgs, unmeasured);
        const audioBitrate = readAudioDescriptions(out, audioMap, ctx.source, outputArgs) ?? 0;
        out.unsupported('Extension', 'HLS segments are .ts');
        out.finish();
        const uri = `${dir}${base}${modifier}.m3u8`;
        const localPath = localPathOf(uri);
        outputArgs.push(
          '-f', 'hls',
          '-hls_time', String(segmentLength),
          '-hls_playlist_type', 'vod',
          '-hls_list_size', '0',
          '-hls_segment_type', 'mpegts',
          '-start_number', '1',
          ...(integerDurations ? ['-hls_flags', 'round_durations'] : []),
          '-hls_segment_filename', localPathOf(`${dir}${base}${modifier}_%05d.ts`),
          localPath,
        );
        return {
          kind: 'hls-rendition' as const,
          uri,
          localPath,
          width: encoded.width,
          height: encoded.height,
          ...(encoded.maxBitrate !== undefined ? { maxBitrate: encoded.maxBitrate + audioBitrate } : {}),
          ...(encoded.frameMetrics !== undefined ? { frameMetrics: encoded.frameMetrics, referenceFilter: encoded.referenceFilter } : {}),
        };
      });
      group.finish();
      const masterUri = `${dir}${base}.m3u8`;
      groups.push({ type: 'HLS_GROUP', outputs: planned, masterUri, masterLocalPath: localPathOf(masterUri), integerDurations });
      return;
    }
    if (type === 'CMAF_GROUP_SETTINGS') {
      // One fMP4 HLS media playlist per output (ffmpeg's hls muxer, fmp4 segments: CMAF tracks),
      // the master and the DASH manifest written after the encode (transcoder.ts).
      const cgs = ogs.section('CmafGroupSettings');
      const destination = cgs.str('Destination');
      if (!destination) throw new UnsupportedSettings(`${cgs.path}.Destination is missing`);
      const segmentLength = cgs.num('SegmentLength') ?? 10;
      cgs.num('FragmentLength'); // ffmpeg fragments at every keyframe (2 s GOPs)
      cgs.str('SegmentControl');
      const writeHls = cgs.str('WriteHlsManifest') ?? 'ENABLED';
      const writeDash = cgs.str('WriteDashManifest') ?? 'ENABLED';
      for (const key of ['MpdProfile', 'ManifestDurationFormat', 'CodecSpecification', 'StreamInfResolution']) cgs.str(key);
      cgs.finish();
      ogs.finish();
      if (group.section('AutomatedEncodingSettings').present) {
        group.unsupported('AutomatedEncodingSettings', 'Automated ABR is approximated locally by one rendition at the source size');
      }
      const { dir, base } = splitDestination(destination, inputUri);
      const planned = outputs.map((out) => {
        const modifier = out.str('NameModifier') ?? '';
        if (modifier === '') throw new UnsupportedSettings(`${out.path}.NameModifier is required for CMAF outputs`);
        const container = out.section('ContainerSettings');
        const containerType = container.str('Container') ?? 'CMFC';
        if (containerType !== 'CMFC') throw new UnsupportedSettings(`${container.path}.Container=${containerType} is not supported in a CMAF group locally (CMFC)`);
        container.section('CmfcSettings').finish();
        container.finish();
        const uri = `${dir}${base}${modifier}.m3u8`;
        const localPath = localPathOf(uri);
        const video = out.section('VideoDescription');
        let encoded: EncodedVideo | undefined;
        let audioBitrate = 0;
        if (video.present) {
          const codecSettings = video.section('CodecSettings');
          // The rotated source, like the other groups: an ABR output without a size takes the picture as turned.
          encoded = encodeVideo(`v${streamIndex++}`, codecSettings.str('Codec'), codecSettings, video, source, filterChains, outputArgs, unmeasured);
          if (out.list('AudioDescriptions').length > 0) throw new UnsupportedSettings(`${out.path} has video and audio: a CMAF output carries one`);
          outputArgs.push('-an');
        } else {
          audioBitrate = readAudioDescriptions(out, audioMap, ctx.source, outputArgs) ?? 0;
          if (audioBitrate === 0) throw new UnsupportedSettings(`${out.path} has neither video nor audio`);
          outputArgs.push('-vn');
        }
        out.finish();
        outputArgs.push(
          '-f', 'hls',
          '-hls_time', String(segmentLength),
          '-hls_playlist_type', 'vod',
          '-hls_list_size', '0',
          '-hls_segment_type', 'fmp4',
          '-hls_fmp4_init_filename', `${base}${modifier}_init.mp4`,
          '-start_number', '1',
          '-hls_segment_filename', localPathOf(`${dir}${base}${modifier}_%05d.m4s`),
          localPath,
        );
        return encoded !== undefined
          ? {
              kind: 'hls-rendition' as const,
              uri,
              localPath,
              width: encoded.width,
              height: encoded.height,
              ...(encoded.maxBitrate !== undefined ? { maxBitrate: encoded.maxBitrate } : {}),
              ...(encoded.frameMetrics !== undefined ? { frameMetrics: encoded.frameMetrics, referenceFilter: encoded.referenceFilter } : {}),
            }
          : { kind: 'audio-rendition' as const, uri, localPath, maxBitrate: audioBitrate };
      });
      group.finish();
      const masterUri = `${dir}${base}.m3u8`;
      const dashUri = `${dir}${base}.mpd`;
      groups.push({
        type: 'CMAF_GROUP',
        outputs: planned,
        segmentSeconds: segmentLength,
        ...(writeHls === 'ENABLED' ? { masterUri, masterLocalPath: localPathOf(masterUri) } : {}),
        ...(writeDash === 'ENABLED' ? { dashUri, dashLocalPath: localPathOf(dashUri) } : {}),
      });
      return;
    }
    throw new UnsupportedSettings(`${ogs.path}.Type=${type} is not supported locally (FILE_GROUP_SETTINGS, HLS_GROUP_SETTINGS, CMAF_GROUP_SETTINGS)`);
  });
  root.finish();

  if (unmeasured.length > 0) {
    warnings.push(
      `PerFrameMetrics ${[...new Set(unmeasured)].join(', ')} not measured locally (${unmeasured.length} requests): ffmpeg's ssim and psnr filters give ${LOCAL_FRAME_METRICS.join(' and ')} only`,
    );
  }
  const videoCount = streamIndex;
  if (videoCount === 0) throw new UnsupportedSettings('Settings.OutputGroups has no video outputs');
  // Decode once, split the picture for every output.
  const split = `[0:v:0]${rotation.filter ? `${rotation.filter},` : ''}split=${videoCount}${Array.from({ length: videoCount }, (_, i) => `[v${i}in]`).join('')}`;
  // An explicit Rotate replaces the metadata's rotation (MediaConvert ignores it then): decode unrotated.
  const decode = { inputOptions: rotation.auto ? [] : ['-noautorotate'], ...(rotation.filter ? { filter: rotation.filter } : {}) };
  const args = ['-y', ...decode.inputOptions, '-i', ctx.inputPath, '-filter_complex', [split, ...filterChains].join(';'), ...outputArgs];
  return { inputUri, args, groups, warnings: [...new Set(warnings)], decode };
}

interface InputRotation {
  /** AUTO: ffmpeg's autorotate applies the metadata, as MediaConvert does for .mov/.mp4. */
  readonly auto: boolean;
  readonly clockwise: 0 | 90 | 180 | 270;
  /** The filter that turns the unrotated picture clockwise, when one is needed. */
  readonly filter?: string;
}

const EXPLICIT_ROTATIONS: Readonly<Record<string, InputRotation>> = {
  DEGREE_0: { auto: false, clockwise: 0 },
  DEGREES_90: { auto: false, clockwise: 90, filter: 'transpose=clock' },
  DEGREES_180: { auto: false, clockwise: 180, filter: 'hflip,vflip' },
  DEGREES_270: { auto: false, clockwise: 270, filter: 'transpose=cclock' },
};

/**
 * VideoSelector.Rotate: AUTO follows the source's rotation metadata (ffmpeg's autorotate);
 * DEGREE_0/DEGREES_90/180/270 turn the stored picture clockwise by that much and ignore the
 * metadata, as MediaConvert's manual rotation does. Unset is DEGREE_0, MediaConvert's default.
 */
function readVideoSelector(selector: SettingsReader): InputRotation {
  const rotate = selector.str('Rotate') ?? 'DEGREE_0';
  selector.finish();
  if (rotate === 'AUTO') return { auto: true, clockwise: 0 };
  const explicit = EXPLICIT_ROTATIONS[rotate];
  if (explicit === undefined) throw new UnsupportedSettings(`${selector.path}.Rotate=${rotate} is not a MediaConvert rotation`);
  return explicit;
}

/** The source as the outputs see it after `rotation` (stored size turned, or the display size for AUTO). */
function rotatedSource(source: SourceInfo, rotation: InputRotation): SourceInfo {
  if (rotation.auto) return source;
  const width = source.storedWidth ?? source.width;
  const height = source.storedHeight ?? source.height;
  const quarter = rotation.clockwise === 90 || rotation.clockwise === 270;
  return { ...source, width: quarter ? height : width, height: quarter ? width : height };
}

/** The `-map` for audio, from the first audio selector (Tracks are 1-based). */
function readAudioSelection(input: SettingsReader, source: SourceInfo): string | undefined {
  const selectors = input.entries('AudioSelectors');
  const [, first] = selectors[0] ?? [];
  let track = 1;
  if (first) {
    first.str('DefaultSelection');
    first.str('SelectorType');
    const tracks = first.numList('Tracks');
    if (tracks && tracks.length > 0) track = tracks[0]!;
    if (tracks && tracks.length > 1) first.unsupported('Tracks', 'only the first track is mapped locally');
    first.finish();
  }
  for (const [name, other] of selectors.slice(1)) {
    other.finish();
    input.unsupported(`AudioSelectors["${name}"]`, 'only the first audio selector is used locally');
  }
  return source.audioStreams >= track ? `0:a:${track - 1}` : undefined;
}

interface EncodedVideo {
  readonly width: number;
  readonly height: number;
  readonly maxBitrate?: number;
  readonly frameMetrics?: readonly LocalFrameMetric[];
  readonly referenceFilter: string;
}

function readScaling(video: SettingsReader, source: SourceInfo): { width: number; height: number; filter: string } {
  const w = video.num('Width');
  const h = video.num('Height');
  const behavior = video.str('ScalingBehavior') ?? 'DEFAULT';
  const even = (n: number) => Math.max(2, Math.round(n / 2) * 2);
  const width = w ?? (h !== undefined ? even((h * source.width) / source.height) : even(source.width));
  const height = h ?? (w !== undefined ? even((w * source.height) / source.width) : even(source.height));
  switch (behavior) {
    case 'STRETCH_TO_OUTPUT':
      return { width, height, filter: `scale=${width}:${height},setsar=1` };
    case 'FILL':
      return { width, height, filter: `scale=${width}:${height}:force_original_aspect_ratio=increase,crop=${width}:${height},setsar=1` };
    case 'DEFAULT':
    case 'FIT':
      return {
        width,
        height,
        filter: `scale=${width}:${height}:force_original_aspect_ratio=decrease,pad=${width}:${height}:(ow-iw)/2:(oh-ih)/2,setsar=1`,
      };
    default:
      video.unsupported('ScalingBehavior', `${behavior} is approximated with FIT`);
      return {
        width,
        height,
        filter: `scale=${width}:${height}:force_original_aspect_ratio=decrease,pad=${width}:${height}:(ow-iw)/2:(oh-ih)/2,setsar=1`,
      };
  }
}

function encodeVideo(
  label: string,
  codec: string | undefined,
  codecSettings: SettingsReader,
  video: SettingsReader,
  source: SourceInfo,
  filterChains: string[],
  outputArgs: string[],
  unmeasured: string[],
): EncodedVideo {
  if (codec !== 'H_264' && codec !== 'H_265') throw new UnsupportedSettings(`${codecSettings.path}.Codec=${codec} is not supported locally (H_264, H_265, FRAME_CAPTURE)`);
  const hevc = codec === 'H_265';
  const size = readScaling(video, source);
  video.finish();
  const h264 = codecSettings.section(hevc ? 'H265Settings' : 'H264Settings');
  codecSettings.finish();

  const args: string[] = ['-map', `[${label}]`, '-c:v', hevc ? 'libx265' : 'libx264', '-pix_fmt', 'yuv420p'];
  const tuning = h264.str('QualityTuningLevel') ?? 'SINGLE_PASS';
  if (tuning === 'MULTI_PASS_HQ') h264.unsupported('QualityTuningLevel', `encoded in a single pass locally (${hevc ? 'x265' : 'x264'} preset ${(hevc ? X265_PRESETS : X264_PRESETS)[tuning]})`);
  args.push('-preset', (hevc ? X265_PRESETS : X264_PRESETS)[tuning] ?? 'veryfast');

  const profile = h264.str('CodecProfile') ?? (hevc ? 'MAIN_MAIN' : 'MAIN');
  const profiles = hevc ? H265_PROFILES : H264_PROFILES;
  if (profiles[profile]) args.push('-profile:v', profiles[profile]);
  else h264.unsupported('CodecProfile', `${profile} is not produced locally; the encoder picks the profile`);
  const level = h264.str('CodecLevel') ?? 'AUTO';
  const levelMatch = /^LEVEL_(\d)(?:_(\d))?$/.exec(level);
  if (levelMatch) args.push('-level:v', `${levelMatch[1]}${levelMatch[2] ? `.${levelMatch[2]}` : ''}`);
  if (hevc) {
    // Apple players need the hvc1 sample entry (MediaConvert: WriteMp4PackagingType HVC1).
    const packaging = h264.str('WriteMp4PackagingType') ?? 'HVC1';
    args.push('-tag:v', packaging === 'HEV1' ? 'hev1' : 'hvc1');
  }

  let framerate = source.frameRate;
  const fpsControl = h264.str('FramerateControl') ?? 'INITIALIZE_FROM_SOURCE';
  const fpsNum = h264.num('FramerateNumerator');
  const fpsDen = h264.num('FramerateDenominator');
  h264.str('FramerateConversionAlgorithm');
  if (fpsControl === 'SPECIFIED' && fpsNum && fpsDen) {
    args.push('-r', `${fpsNum}/${fpsDen}`);
    framerate = fpsNum / fpsDen;
  }

  const gopSize = h264.num('GopSize');
  const gopUnits = h264.str('GopSizeUnits') ?? 'FRAMES';
  if (gopSize !== undefined && gopUnits !== 'AUTO') {
    const frames = gopUnits === 'SECONDS' ? Math.max(1, Math.round(gopSize * (framerate ?? 30))) : Math.max(1, Math.round(gopSize));
    args.push('-g', String(frames));
  }
  h264.num('GopClosedCadence'); // x264 writes closed GOPs unless told otherwise
  const requested = h264.strList('PerFrameMetrics') ?? [];
  const frameMetrics = LOCAL_FRAME_METRICS.filter((m) => requested.includes(m));
  unmeasured.push(...requested.filter((m) => !(LOCAL_FRAME_METRICS as readonly string[]).includes(m)));
  if ((h264.str('SceneChangeDetect') ?? 'ENABLED') === 'DISABLED') args.push('-sc_threshold', '0');
  const bFrames = h264.num('NumberBFramesBetweenReferenceFrames');
  if (bFrames !== undefined) args.push('-bf', String(bFrames));
  const refs = h264.num('NumberReferenceFrames');
  if (refs !== undefined) args.push('-refs', String(refs));

  const mode = h264.str('RateControlMode') ?? 'CBR';
  const maxBitrate = h264.num('MaxBitrate');
  const bitrate = h264.num('Bitrate');
  const hrd = h264.num('HrdBufferSize');
  let peak: number | undefined;
  if (mode === 'QVBR') {
    const qvbr = h264.section('QvbrSettings');
    const qualityLevel = qvbr.num('QvbrQualityLevel') ?? 7;
    qvbr.unsupported('QvbrQualityLevelFineTune', 'x264 CRF steps are whole numbers');
    qvbr.unsupported('MaxAverageBitrate', 'x264 CRF cannot cap the average bit rate');
    qvbr.finish();
    // x265's CRF scale sits about 5 above x264's for the same picture (x265 default 28, x264 23).
    args.push('-crf', String(qvbrToCrf(qualityLevel) + (hevc ? 5 : 0)));
    if (maxBitrate !== undefined) {
      if (hevc) args.push('-x265-params', `vbv-maxrate=${Math.round(maxBitrate / 1000)}:vbv-bufsize=${Math.round((hrd ?? maxBitrate * 2) / 1000)}:log-level=error`);
      else args.push('-maxrate', String(maxBitrate), '-bufsize', String(hrd ?? maxBitrate * 2));
      peak = maxBitrate;
    } else if (hevc) {
      args.push('-x265-params', 'log-level=error');
    }
  } else if (mode === 'VBR') {
    if (bitrate !== undefined) args.push('-b:v', String(bitrate));
    if (maxBitrate !== undefined) args.push('-maxrate', String(maxBitrate), '-bufsize', String(hrd ?? maxBitrate * 2));
    peak = maxBitrate ?? bitrate;
  } else if (mode === 'CBR') {
    if (bitrate === undefined) throw new UnsupportedSettings(`${h264.path}.Bitrate is required for CBR`);
    args.push('-b:v', String(bitrate), '-minrate', String(bitrate), '-maxrate', String(bitrate), '-bufsize', String(hrd ?? bitrate * 2));
    peak = bitrate;
  } else {
    throw new UnsupportedSettings(`${h264.path}.RateControlMode=${mode} is not supported locally`);
  }
  h264.finish();

  filterChains.push(`[${label}in]${size.filter}[${label}]`);
  outputArgs.push(...args);
  return {
    width: size.width,
    height: size.height,
    ...(peak !== undefined ? { maxBitrate: peak } : {}),
    ...(frameMetrics.length > 0 ? { frameMetrics } : {}),
    // ffmpeg's -r resamples the encoded frames; the reference gets the same rate so frames pair up.
    referenceFilter: `${fpsControl === 'SPECIFIED' && fpsNum && fpsDen ? `fps=${fpsNum}/${fpsDen},` : ''}${size.filter}`,
  };
}

/** Adds the audio encoder args; returns the audio bit rate, or undefined when the output has no audio. */
function readAudioDescriptions(
  out: SettingsReader,
  audioMap: string | undefined,
  source: SourceInfo,
  outputArgs: string[],
): number | undefined {
  const descriptions = out.list('AudioDescriptions');
  if (descriptions.length === 0) {
    outputArgs.push('-an');
    return undefined;
  }
  if (audioMap === undefined) {
    out.warn(`AudioDescriptions not honoured: the source has ${source.audioStreams} audio track(s), none selected; output written without audio`);
    outputArgs.push('-an');
    return undefined;
  }
  const [first, ...rest] = descriptions;
  for (const r of rest) {
    r.finish();
    out.unsupported(`AudioDescriptions[${descriptions.indexOf(r)}]`, 'only one audio track per output locally');
  }
  const d = first;
  d.str('AudioSourceName');
  const remix = remixFilter(d.section('RemixSettings'), source.audio ?? {});
  const codecSettings = d.section('CodecSettings');
  const codec = codecSettings.str('Codec');
  if (codec !== 'AAC') throw new UnsupportedSettings(`${codecSettings.path}.Codec=${codec} is not supported locally (AAC)`);
  const aac = codecSettings.section('AacSettings');
  codecSettings.finish();
  d.finish();
  const bitrate = aac.num('Bitrate') ?? 96000;
  const sampleRate = aac.num('SampleRate') ?? 48000;
  const codingMode = aac.str('CodingMode') ?? 'CODING_MODE_2_0';
  const profile = aac.str('CodecProfile') ?? 'LC';
  if (profile !== 'LC') aac.unsupported('CodecProfile', 'ffmpeg\'s native AAC encoder writes AAC-LC');
  const rateControl = aac.str('RateControlMode') ?? 'CBR';
  if (rateControl !== 'CBR') aac.unsupported('RateControlMode', 'ffmpeg\'s native AAC encoder is used at a fixed bit rate');
  aac.finish();
  const channels = AAC_CHANNELS[codingMode];
  outputArgs.push('-map', audioMap, ...(remix ? ['-filter:a', remix] : []), '-c:a', 'aac', '-b:a', String(bitrate), '-ar', String(sampleRate));
  if (channels !== undefined) outputArgs.push('-ac', String(channels));
  return bitrate;
}
