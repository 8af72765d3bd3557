import type { JobSettings } from '@aws-sdk/client-mediaconvert';
import { spawn, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import type { JobRecord } from '../../handlers/shared/job';
import type { JournalEntry } from '../../local/job-journal';

/**
 * MediaConvert settings shaped like plan-transcode's: an MP4, a two-rung HLS QVBR ladder and
 * frame-capture thumbnails, all under s3://<output>/<jobId>/.
 */
export function jobSettingsFixture(opts: { source: string; output: string; jobId: string; audio: boolean }): JobSettings {
  const audio = opts.audio
    ? [{ AudioSourceName: 'Audio Selector 1', CodecSettings: { Codec: 'AAC' as const, AacSettings: { Bitrate: 96000, CodingMode: 'CODING_MODE_2_0' as const, SampleRate: 48000 } } }]
    : undefined;
  const h264 = (maxBitrate: number) => ({
    Codec: 'H_264' as const,
    H264Settings: {
      RateControlMode: 'QVBR' as const,
      MaxBitrate: maxBitrate,
      QvbrSettings: { QvbrQualityLevel: 7 },
      CodecProfile: 'HIGH' as const,
      GopSize: 2,
      GopSizeUnits: 'SECONDS' as const,
      SceneChangeDetect: 'DISABLED' as const,
      InterlaceMode: 'PROGRESSIVE' as const,
      QualityTuningLevel: 'SINGLE_PASS' as const,
    },
  });
  return {
    TimecodeConfig: { Source: 'ZEROBASED' },
    Inputs: [
      {
        FileInput: opts.source,
        VideoSelector: { Rotate: 'AUTO' },
        ...(opts.audio ? { AudioSelectors: { 'Audio Selector 1': { DefaultSelection: 'DEFAULT' as const } } } : {}),
        TimecodeSource: 'ZEROBASED',
      },
    ],
    OutputGroups: [
      {
        Name: 'MP4',
        OutputGroupSettings: { Type: 'FILE_GROUP_SETTINGS', FileGroupSettings: { Destination: `s3://${opts.output}/${opts.jobId}/mp4/` } },
        Outputs: [
          {
            NameModifier: '_180p',
            ContainerSettings: { Container: 'MP4', Mp4Settings: { MoovPlacement: 'PROGRESSIVE_DOWNLOAD' } },
            VideoDescription: { Width: 320, Height: 180, CodecSettings: h264(600_000) },
            ...(audio ? { AudioDescriptions: audio } : {}),
          },
        ],
      },
      {
        Name: 'HLS',
        OutputGroupSettings: {
          Type: 'HLS_GROUP_SETTINGS',
          HlsGroupSettings: { Destination: `s3://${opts.output}/${opts.jobId}/hls/index`, SegmentLength: 1, MinSegmentLength: 0 },
        },
        Outputs: [
          { NameModifier: '_180p', ContainerSettings: { Container: 'M3U8' }, VideoDescription: { Width: 320, Height: 180, CodecSettings: h264(400_000) }, ...(audio ? { AudioDescriptions: audio } : {}) },
          { NameModifier: '_144p', ContainerSettings: { Container: 'M3U8' }, VideoDescription: { Width: 256, Height: 144, CodecSettings: h264(200_000) }, ...(audio ? { AudioDescriptions: audio } : {}) },
        ],
      },
      {
        Name: 'Thumbnails',
        OutputGroupSettings: { Type: 'FILE_GROUP_SETTINGS', FileGroupSettings: { Destination: `s3://${opts.output}/${opts.jobId}/thumbnails/thumb` } },
        Outputs: [
          {
            ContainerSettings: { Container: 'RAW' },
            VideoDescription: { Width: 320, Height: 180, CodecSettings: { Codec: 'FRAME_CAPTURE', FrameCaptureSettings: { FramerateNumerator: 1, FramerateDenominator: 1, MaxCaptures: 3, Quality: 80 } } },
          },
        ],
      },
    ],
  };
}

/** Runs ffmpeg to make a test clip; throws with ffmpeg's stderr when it fails. */
export function makeClip(
  path: string,
  opts: { width: number; height: number; seconds: number; audio: boolean; /** mandelbrot: fine detail everywhere, hard to compress (default testsrc2) */ pattern?: 'testsrc2' | 'mandelbrot' },
): void {
  const picture =
    opts.pattern === 'mandelbrot'
      ? `mandelbrot=size=${opts.width}x${opts.height}:rate=25,trim=duration=${opts.seconds}`
      : `testsrc2=size=${opts.width}x${opts.height}:rate=25:duration=${opts.seconds}`;
  const args = [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', picture,
    ...(opts.audio ? ['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${opts.seconds}`] : []),
    '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p',
    ...(opts.audio ? ['-c:a', 'aac', '-b:a', '96k'] : []),
    '-shortest', path,
  ];
  const r = spawnSync('ffmpeg', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ffmpeg could not make ${path}: ${r.stderr}`);
}

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `npm run local -- ...` the way the package script does (node --import tsx scripts/local-run.ts). */
export function runLocal(args: string[]): Promise<CommandResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/local-run.ts', ...args], { cwd: resolve(__dirname, '..', '..'), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

/** A COMPLETED job record as the local run stores it (outputs under `<jobId>/`). */
export function jobRecordFixture(jobId: string, at: string, over: Record<string, unknown> = {}): JobRecord {
  return {
    jobId,
    status: 'COMPLETED',
    trigger: 'api',
    source: { bucket: 'video-workflow-local-source', key: `uploads/ab/${jobId}.mov`, etag: 'e', size: 1 },
    createdAt: at,
    updatedAt: at,
    outputs: {
      mp4: [`s3://video-workflow-local-output/${jobId}/mp4/clip 720p.mp4`],
      hls: `s3://video-workflow-local-output/${jobId}/hls/master.m3u8`,
      thumbnails: [`s3://video-workflow-local-output/${jobId}/thumbnails/t.0000000.jpg`],
    },
    ...over,
  };
}

/** A journal entry (local/job-journal.ts) of a COMPLETED local job. */
export function journalEntryFixture(jobId: string, startedAt: string, over: Partial<JournalEntry> = {}): JournalEntry {
  return { jobId, file: `/videos/${jobId}.mov`, status: 'COMPLETED', startedAt, path: [], localWarnings: [], ...over };
}
