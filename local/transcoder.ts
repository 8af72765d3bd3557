import type { JobSettings } from '@aws-sdk/client-mediaconvert';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { posix } from 'node:path';
import { ffprobe, probedDurationMs, probedVideoSize, runFfmpeg, type ProbeResult } from './ffmpeg';
import { codecsOf, measureRendition, renderMaster, type MasterAudio } from './hls-master';
import { mapBounded } from './pool';
import { measureQuality } from './quality-measure';
import { parseS3Uri, type S3Location } from './s3-uri';
import { LOCAL_ACCOUNT_ID } from './account';
import { planFfmpeg, type FfmpegPlan, type PlannedGroup, type SourceInfo } from './transcode-plan';

/** The object storage the transcoder reads the source from and writes outputs to (S3 or s3rver). */
export interface ObjectStore {
  download(from: S3Location, toPath: string): Promise<void>;
  upload(fromPath: string, to: S3Location, contentType: string): Promise<void>;
}

/** The Parameters of a `mediaconvert:createJob.sync` Task (a CreateJob request). */
export interface CreateJobRequest {
  readonly Settings: JobSettings;
  readonly Queue?: string;
  readonly Role?: string;
  readonly UserMetadata?: Record<string, string>;
  readonly StatusUpdateInterval?: string;
  readonly [other: string]: unknown;
}

/**
 * How often MediaConvert sends STATUS_UPDATE events, so the local run's synthetic ones too: the
 * CreateJob request's StatusUpdateInterval (`SECONDS_15`), "at this interval from the time the
 * service begins processing your job", about once a minute when the request sets none
 * (https://docs.aws.amazon.com/mediaconvert/latest/ug/adjusting-the-status-update-interval.html,
 * "Adjust the status update interval"). Each event runs the real job-progress handler and a
 * DynamoDB update; sending one every second competed with ffmpeg for the CPU.
 */
export function statusUpdateIntervalMs(interval: string | undefined): number {
  const seconds = /^SECONDS_(\d+)$/.exec(interval ?? '')?.[1];
  return seconds === undefined ? 60_000 : Number(seconds) * 1000;
}

export type TranscodePhase = 'DOWNLOADING' | 'PROBING' | 'TRANSCODING' | 'MEASURING' | 'UPLOADING';

export interface TranscodeProgress {
  readonly mediaConvertJobId: string;
  readonly phase: TranscodePhase;
  /** 0..100 of the whole job (ffmpeg's progress while TRANSCODING). */
  readonly percent: number;
}

export interface OutputDetail {
  readonly OutputFilePaths: string[];
  readonly DurationInMs?: number;
  readonly VideoDetails?: { readonly WidthInPx: number; readonly HeightInPx: number };
}

export interface OutputGroupDetail {
  readonly Type: 'FILE_GROUP' | 'HLS_GROUP' | 'CMAF_GROUP';
  readonly OutputDetails: OutputDetail[];
  readonly PlaylistFilePaths?: string[];
}

/** The part of MediaConvert's `Job` (as GetJob returns it, timestamps in epoch seconds) that `.sync` hands back. */
export interface LocalMediaConvertJob {
  readonly Id: string;
  readonly Arn: string;
  readonly Status: 'COMPLETE' | 'ERROR';
  readonly Queue?: string;
  readonly Role?: string;
  readonly UserMetadata?: Record<string, string>;
  readonly Settings: JobSettings;
  readonly CreatedAt: number;
  readonly Timing: { readonly SubmitTime: number; readonly StartTime: number; readonly FinishTime: number };
  readonly OutputGroupDetails?: OutputGroupDetail[];
  readonly ErrorCode?: number;
  readonly ErrorMessage?: string;
  readonly Warnings?: Array<{ readonly Code: number; readonly Count: number }>;
}

export interface TranscodeOutcome {
  readonly job: LocalMediaConvertJob;
  /** Settings the local transcoder could not honour. */
  readonly warnings: readonly string[];
  /** Wall time spent in ffmpeg itself (ms), for the benchmark. */
  readonly ffmpegMs: number;
  /** Wall time spent measuring per-frame metrics (ms; 0 when the settings ask for none). */
  readonly measureMs: number;
  /** The measuring ffmpeg run's arguments (stats files relative to its working folder), for the benchmark. */
  readonly measureArgs?: readonly string[];
  readonly plan: FfmpegPlan;
}

/**
 * The job ended in ERROR, as a MediaConvert job would: `job` carries Status ERROR,
 * ErrorCode and ErrorMessage (the Step Functions .sync integration puts that job in the Cause).
 */
export class TranscodeFailed extends Error {
  override readonly name = 'TranscodeFailed';
  constructor(
    readonly job: LocalMediaConvertJob,
    readonly warnings: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(job.ErrorMessage ?? 'Transcode failed', options);
  }
}

export interface LocalTranscoderDeps {
  readonly store: ObjectStore;
  /** Scratch folder; each job works in `<workRoot>/<mediaConvertJobId>/` and removes it at the end. */
  readonly workRoot: string;
  readonly onProgress?: (progress: TranscodeProgress) => void;
  /** Fires when the Task times out: ffmpeg is killed. */
  readonly signal?: AbortSignal;
  readonly region?: string;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.mp4': 'video/mp4',
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.ts': 'video/MP2T',
  '.jpg': 'image/jpeg',
  '.csv': 'text/csv',
  '.m4s': 'video/iso.segment',
  '.mpd': 'application/dash+xml',
};

/**
 * MediaConvert error codes for local failures
 * (https://docs.aws.amazon.com/mediaconvert/latest/ug/mediaconvert_error_codes.html):
 * 1010 "File access error" (input missing, corrupt or unsupported); 1999, the catch-all, for
 * everything else, including settings the local stand-in cannot produce.
 */
const ERROR_CODE = { INPUT: 1010, SETTINGS: 1999, INTERNAL: 1999 } as const;

/** MediaConvert job ids look like `1700000000000-abc123`. */
function newMediaConvertJobId(now: number): string {
  return `${now}-${randomBytes(3).toString('hex')}`;
}

const epochSeconds = (ms: number) => Math.floor(ms / 1000);

/**
 * Runs a CreateJob request with ffmpeg: downloads the input from the store, encodes every
 * output in one ffmpeg process, writes HLS master manifests, uploads everything under the
 * planned destinations and returns a MediaConvert-shaped COMPLETE job.
 */
export async function runLocalTranscode(request: CreateJobRequest, deps: LocalTranscoderDeps): Promise<TranscodeOutcome> {
  const submit = Date.now();
  const id = newMediaConvertJobId(submit);
  const region = deps.region ?? 'us-east-1';
  const baseJob = {
    Id: id,
    Arn: `arn:aws:mediaconvert:${region}:${LOCAL_ACCOUNT_ID}:jobs/${id}`,
    ...(request.Queue !== undefined ? { Queue: request.Queue } : {}),
    ...(request.Role !== undefined ? { Role: request.Role } : {}),
    ...(request.UserMetadata !== undefined ? { UserMetadata: request.UserMetadata } : {}),
    Settings: request.Settings,
    CreatedAt: epochSeconds(submit),
  };
  const workDir = posix.join(deps.workRoot, id);
  const progress = (phase: TranscodePhase, percent: number) => deps.onProgress?.({ mediaConvertJobId: id, phase, percent });
  let warnings: readonly string[] = [];
  let errorCode: number = ERROR_CODE.INTERNAL;
  try {
    const inputUri = request.Settings.Inputs?.[0]?.FileInput;
    if (!inputUri) {
      errorCode = ERROR_CODE.SETTINGS;
      throw new Error('Settings.Inputs[0].FileInput is missing');
    }
    const input = parseS3Uri(inputUri);
    const inputPath = posix.join(workDir, 'input', posix.basename(input.key) || 'input');
    await mkdir(posix.dirname(inputPath), { recursive: true });
    progress('DOWNLOADING', 0);
    await deps.store.download(input, inputPath);

    progress('PROBING', 0);
    errorCode = ERROR_CODE.INPUT;
    const source = sourceInfo(await ffprobe(inputPath));
    errorCode = ERROR_CODE.SETTINGS;
    const plan = planFfmpeg(request.Settings, { inputPath, source, workDir: posix.join(workDir, 'out') });
    warnings = plan.warnings;
    for (const dir of plannedDirs(plan)) await mkdir(dir, { recursive: true });

    errorCode = ERROR_CODE.INPUT;
    progress('TRANSCODING', 0);
    const start = Date.now();
    await runFfmpeg(plan.args, {
      ...(source.durationMs !== undefined ? { durationMs: source.durationMs } : {}),
      onProgress: (p) => progress('TRANSCODING', p),
      ...(deps.signal ? { signal: deps.signal } : {}),
    });
    const ffmpegMs = Date.now() - start;

    // PerFrameMetrics: MediaConvert writes the reports as part of the job, so the job's time includes them.
    errorCode = ERROR_CODE.INTERNAL;
    const measureStart = Date.now();
    const measured = await measureQuality(plan, {
      inputPath,
      workDir: posix.join(workDir, 'metrics'),
      ...(source.durationMs !== undefined ? { durationMs: source.durationMs } : {}),
      onProgress: (p) => progress('MEASURING', p),
      ...(deps.signal ? { signal: deps.signal } : {}),
    });
    const measureMs = Date.now() - measureStart;

    progress('UPLOADING', 100);
    const OutputGroupDetails = await Promise.all(plan.groups.map((group) => finishGroup(group, source, deps.store)));
    await uploadAll(deps.store, measured.reports);
    const finish = Date.now();
    const job: LocalMediaConvertJob = {
      ...baseJob,
      Status: 'COMPLETE',
      Timing: { SubmitTime: epochSeconds(submit), StartTime: epochSeconds(submit), FinishTime: epochSeconds(finish) },
      OutputGroupDetails,
    };
    return { job, warnings, ffmpegMs, measureMs, ...(measured.args ? { measureArgs: measured.args } : {}), plan };
  } catch (err) {
    const finish = Date.now();
    const job: LocalMediaConvertJob = {
      ...baseJob,
      Status: 'ERROR',
      ErrorCode: errorCode,
      ErrorMessage: err instanceof Error ? err.message : String(err),
      Timing: { SubmitTime: epochSeconds(submit), StartTime: epochSeconds(submit), FinishTime: epochSeconds(finish) },
    };
    throw new TranscodeFailed(job, warnings, { cause: err });
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

function sourceInfo(probe: ProbeResult): SourceInfo {
  const size = probedVideoSize(probe);
  if (!size) throw new Error('The input has no video stream');
  const video = probe.streams.find((s) => s.codec_type === 'video');
  const [num, den] = (video?.avg_frame_rate ?? '0/0').split('/').map(Number);
  const frameRate = num && den ? num / den : undefined;
  const durationMs = probedDurationMs(probe);
  const audio = probe.streams.find((s) => s.codec_type === 'audio');
  return {
    width: size.width,
    height: size.height,
    ...(video?.width && video.height ? { storedWidth: video.width, storedHeight: video.height } : {}),
    audioStreams: probe.streams.filter((s) => s.codec_type === 'audio').length,
    ...(audio ? { audio: { ...(audio.channels ? { channels: audio.channels } : {}), ...(audio.channel_layout ? { channelLayout: audio.channel_layout } : {}) } } : {}),
    ...(durationMs !== undefined ? { durationMs } : {}),
    ...(frameRate !== undefined ? { frameRate } : {}),
  };
}

function plannedDirs(plan: FfmpegPlan): Set<string> {
  const dirs = new Set<string>();
  for (const g of plan.groups) for (const o of g.outputs) dirs.add(posix.dirname(o.localPath));
  return dirs;
}

function contentTypeOf(path: string): string {
  return CONTENT_TYPES[posix.extname(path)] ?? 'application/octet-stream';
}

/** The s3:// URI a local file under the plan's work folder maps to. */
function uriBesideOf(localPath: string, planned: { localPath: string; uri: string }): string {
  const { bucket, key } = parseS3Uri(planned.uri);
  const dirKey = posix.dirname(key);
  return `s3://${bucket}/${dirKey === '.' ? '' : `${dirKey}/`}${posix.basename(localPath)}`;
}

const UPLOAD_CONCURRENCY = 8;

async function uploadAll(store: ObjectStore, files: ReadonlyArray<{ path: string; uri: string }>): Promise<void> {
  // A few uploads at a time: s3rver is local, but hundreds of segments at once only queue up.
  await mapBounded(files, UPLOAD_CONCURRENCY, (file) => store.upload(file.path, parseS3Uri(file.uri), contentTypeOf(file.path)));
}

async function finishGroup(group: PlannedGroup, source: SourceInfo, store: ObjectStore): Promise<OutputGroupDetail> {
  const details: OutputDetail[] = [];
  if (group.type === 'CMAF_GROUP') return finishCmafGroup(group, store);
  if (group.type === 'HLS_GROUP') {
    const renditions = await Promise.all(
      group.outputs.map(async (out) => {
        const [stats, probe] = await Promise.all([measureRendition(out.localPath), ffprobe(out.localPath)]);
        return { out, stats, probe };
      }),
    );
    const entries = [];
    const files: Array<{ path: string; uri: string }> = [];
    for (const { out, stats, probe } of renditions) {
      const size = probedVideoSize(probe);
      const video = probe.streams.find((s) => s.codec_type === 'video');
      const [num, den] = (video?.avg_frame_rate ?? '0/0').split('/').map(Number);
      entries.push({
        uri: posix.basename(out.localPath),
        stats,
        width: size?.width ?? out.width ?? 0,
        height: size?.height ?? out.height ?? 0,
        ...(num && den ? { frameRate: num / den } : {}),
        codecs: codecsOf(probe),
      });
      files.push({ path: out.localPath, uri: out.uri }, ...stats.segmentPaths.map((p) => ({ path: p, uri: uriBesideOf(p, out) })));
      details.push({
        OutputFilePaths: [out.uri],
        DurationInMs: stats.durationMs,
        ...(size ? { VideoDetails: { WidthInPx: size.width, HeightInPx: size.height } } : {}),
      });
    }
    await writeFile(group.masterLocalPath!, renderMaster(entries));
    files.push({ path: group.masterLocalPath!, uri: group.masterUri! });
    await uploadAll(store, files);
    return { Type: 'HLS_GROUP', OutputDetails: details, PlaylistFilePaths: [group.masterUri!] };
  }
  const perOutput = await Promise.all(
    group.outputs.map(async (out): Promise<{ files: Array<{ path: string; uri: string }>; detail: OutputDetail }> => {
      if (out.kind === 'frame-capture') {
        const dir = posix.dirname(out.localPath);
        const prefix = `${posix.basename(out.localPath)}.`;
        const frames = (await readdir(dir))
          .filter((f) => f.startsWith(prefix) && /^\d{7}\.jpg$/.test(f.slice(prefix.length)))
          .sort()
          .map((f) => posix.join(dir, f));
        if (frames.length === 0) throw new Error(`ffmpeg wrote no frame captures for ${out.uri}`);
        const last = frames[frames.length - 1];
        const size = probedVideoSize(await ffprobe(last));
        return {
          files: frames.map((p) => ({ path: p, uri: uriBesideOf(p, out) })),
          // MediaConvert reports the last capture's path for a frame-capture output.
          detail: {
            OutputFilePaths: [uriBesideOf(last, out)],
            ...(source.durationMs !== undefined ? { DurationInMs: source.durationMs } : {}),
            ...(size ? { VideoDetails: { WidthInPx: size.width, HeightInPx: size.height } } : {}),
          },
        };
      }
      const probe = await ffprobe(out.localPath);
      const size = probedVideoSize(probe);
      const duration = probedDurationMs(probe);
      return {
        files: [{ path: out.localPath, uri: out.uri }],
        detail: {
          OutputFilePaths: [out.uri],
          ...(duration !== undefined ? { DurationInMs: duration } : {}),
          ...(size ? { VideoDetails: { WidthInPx: size.width, HeightInPx: size.height } } : {}),
        },
      };
    }),
  );
  const files = perOutput.flatMap((o) => o.files);
  details.push(...perOutput.map((o) => o.detail));
  await uploadAll(store, files);
  return { Type: 'FILE_GROUP', OutputDetails: details };
}

/** The init segment an fMP4 media playlist names in `#EXT-X-MAP:URI="..."`. */
async function initSegmentOf(playlistPath: string): Promise<string | undefined> {
  const match = /#EXT-X-MAP:URI="([^"]+)"/.exec(await readFile(playlistPath, 'utf8'));
  return match?.[1] === undefined ? undefined : posix.join(posix.dirname(playlistPath), match[1]);
}

/**
 * A CMAF group as MediaConvert writes it: fMP4 media playlists per output (ffmpeg wrote them),
 * an HLS master with the audio as its own rendition group, and a DASH manifest over the same
 * tracks (ffmpeg's dash muxer, remuxing the renditions without re-encoding; its segments are
 * named `<base>_dash_*` beside the HLS ones).
 */
async function finishCmafGroup(group: PlannedGroup, store: ObjectStore): Promise<OutputGroupDetail> {
  const measured = await Promise.all(
    group.outputs.map(async (out) => {
      const [stats, probe, init] = await Promise.all([measureRendition(out.localPath), ffprobe(out.localPath), initSegmentOf(out.localPath)]);
      return { out, stats, probe, init };
    }),
  );
  const files: Array<{ path: string; uri: string }> = [];
  const details: OutputDetail[] = [];
  const entries = [];
  let audio: MasterAudio | undefined;
  for (const { out, stats, probe, init } of measured) {
    files.push({ path: out.localPath, uri: out.uri }, ...stats.segmentPaths.map((p) => ({ path: p, uri: uriBesideOf(p, out) })));
    if (init !== undefined) files.push({ path: init, uri: uriBesideOf(init, out) });
    const size = probedVideoSize(probe);
    details.push({ OutputFilePaths: [out.uri], DurationInMs: stats.durationMs, ...(size ? { VideoDetails: { WidthInPx: size.width, HeightInPx: size.height } } : {}) });
    if (out.kind === 'audio-rendition') {
      audio = { uri: posix.basename(out.localPath), codecs: codecsOf(probe), stats };
      continue;
    }
    const video = probe.streams.find((s) => s.codec_type === 'video');
    const [num, den] = (video?.avg_frame_rate ?? '0/0').split('/').map(Number);
    entries.push({ uri: posix.basename(out.localPath), stats, width: size?.width ?? out.width ?? 0, height: size?.height ?? out.height ?? 0, ...(num && den ? { frameRate: num / den } : {}), codecs: codecsOf(probe) });
  }
  const playlists: string[] = [];
  if (group.masterLocalPath !== undefined && group.masterUri !== undefined) {
    await writeFile(group.masterLocalPath, renderMaster(entries, audio));
    files.push({ path: group.masterLocalPath, uri: group.masterUri });
    playlists.push(group.masterUri);
  }
  if (group.dashLocalPath !== undefined && group.dashUri !== undefined) {
    const dir = posix.dirname(group.dashLocalPath);
    const base = posix.basename(group.dashLocalPath, '.mpd');
    const inputs = measured.flatMap(({ out }) => ['-i', out.localPath]);
    await runFfmpeg(
      [
        '-y', ...inputs, ...measured.flatMap((_, i) => ['-map', String(i)]), '-c', 'copy',
        '-f', 'dash', '-seg_duration', String(group.segmentSeconds ?? 6), '-use_template', '1', '-use_timeline', '1',
        '-init_seg_name', `${base}_dash_$RepresentationID$_init.m4s`, '-media_seg_name', `${base}_dash_$RepresentationID$_$Number%05d$.m4s`,
        group.dashLocalPath,
      ],
      {},
    );
    const dashSegments = (await readdir(dir)).filter((f) => f.startsWith(`${base}_dash_`)).map((f) => posix.join(dir, f));
    files.push({ path: group.dashLocalPath, uri: group.dashUri }, ...dashSegments.map((p) => ({ path: p, uri: uriBesideOf(p, { localPath: group.dashLocalPath!, uri: group.dashUri! }) })));
    playlists.push(group.dashUri);
  }
  await uploadAll(store, files);
  return { Type: 'CMAF_GROUP', OutputDetails: details, PlaylistFilePaths: playlists };
}
