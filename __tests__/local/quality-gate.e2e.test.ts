import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { JobSettings } from '@aws-sdk/client-mediaconvert';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { planTranscode } from '../../handlers/plan-transcode/plan';
import { qualityControl, type QualityControlDeps } from '../../handlers/quality-control/qc';
import type { MediaMetadata, QcResult } from '../../handlers/shared/job';
import { silentLog } from '../../handlers/shared/logger';
import { ffmpegAvailable } from '../../local/ffmpeg';
import type { S3Location } from '../../local/s3-uri';
import { runLocalTranscode, type ObjectStore } from '../../local/transcoder';
import { makeClip } from './fixtures';

/**
 * Proof that the picture-quality gate bites: the real plan for a detailed 640x360 clip, once
 * as planned and once with its top HLS rung starved (10 kbit/s cap, QVBR 1), through the local
 * transcoder (ffmpeg encodes, ffmpeg's ssim/psnr write MediaConvert-layout reports) and the real
 * quality-control code reading those reports from the (folder) bucket.
 */

/** A bucket folder (`<root>/<bucket>/<key>`) as both the transcoder's store and QC's S3 client. */
class FolderBucket implements ObjectStore {
  constructor(private readonly root: string) {}
  path(loc: S3Location): string {
    return join(this.root, loc.bucket, loc.key);
  }
  async download(from: S3Location, toPath: string): Promise<void> {
    await copyFile(this.path(from), toPath);
  }
  async upload(fromPath: string, to: S3Location): Promise<void> {
    await mkdir(dirname(this.path(to)), { recursive: true });
    await copyFile(fromPath, this.path(to));
  }
  /** The three S3 calls quality-control makes, answered from the folder (404s shaped like S3's). */
  readonly s3: QualityControlDeps['s3'] = {
    send: (async (command: unknown) => {
      const notFound = (name: string) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: 404 } });
      if (command instanceof HeadObjectCommand) {
        const size = await stat(this.path({ bucket: command.input.Bucket!, key: command.input.Key! })).then((s) => s.size, () => undefined);
        if (size === undefined) throw notFound('NotFound');
        return { ContentLength: size };
      }
      if (command instanceof GetObjectCommand) {
        const text = await readFile(this.path({ bucket: command.input.Bucket!, key: command.input.Key! }), 'utf8').catch(() => undefined);
        if (text === undefined) throw notFound('NoSuchKey');
        return { Body: { transformToString: async () => text } };
      }
      if (command instanceof ListObjectsV2Command) {
        const prefix = command.input.Prefix!;
        const dir = this.path({ bucket: command.input.Bucket!, key: dirname(prefix) });
        const names = await readdir(dir).catch(() => [] as string[]);
        const keys = names.map((n) => `${dirname(prefix)}/${n}`).filter((k) => k.startsWith(prefix));
        return { Contents: await Promise.all(keys.map(async (Key) => ({ Key, Size: (await stat(this.path({ bucket: command.input.Bucket!, key: Key }))).size }))) };
      }
      throw new Error(`FolderBucket: unexpected ${(command as object).constructor.name}`);
    }) as QualityControlDeps['s3']['send'],
  };
}

const haveFfmpeg = ffmpegAvailable();
if (!haveFfmpeg) console.warn('ffmpeg/ffprobe not found: skipping the quality-gate end-to-end test (CI installs ffmpeg)');
const suite = haveFfmpeg ? describe : describe.skip;

const JOB_ID = '0123456789abcdef0123456789abcdef';
const METADATA: MediaMetadata = {
  container: 'MPEG-4', durationSeconds: 2, width: 640, height: 360, displayWidth: 640, displayHeight: 360,
  displayAspectRatio: 1.7778, rotation: 0, frameRate: 25, videoCodec: 'AVC', audioTrackCount: 0, bytesRead: 1,
};

suite('picture-quality gate (real ffmpeg, real plan, real quality-control)', () => {
  let dir: string;
  let bucket: FolderBucket;
  const plan = planTranscode(
    { jobId: JOB_ID, source: { bucket: 'src', key: 'uploads/detail.mp4', etag: '"e"', size: 1 }, metadata: METADATA },
    { outputBucket: 'out', maxDurationSeconds: 43_200, thumbnailIntervalSeconds: 10, maxThumbnails: 10 },
  );

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'quality-gate-'));
    bucket = new FolderBucket(join(dir, 's3'));
    await mkdir(join(dir, 's3', 'src', 'uploads'), { recursive: true });
    makeClip(join(dir, 's3', 'src', 'uploads', 'detail.mp4'), { width: 640, height: 360, seconds: 2, audio: false, pattern: 'mandelbrot' });
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function transcodeAndCheck(settings: JobSettings, workName: string): Promise<QcResult> {
    await rm(join(dir, 's3', 'out'), { recursive: true, force: true });
    const { job } = await runLocalTranscode({ Settings: settings }, { store: bucket, workRoot: join(dir, workName) });
    // The source stands in for PinSource's copy (no pinned bucket in this plan): QC's input check passes on it.
    const size = (await stat(bucket.path({ bucket: 'src', key: 'uploads/detail.mp4' }))).size;
    return qualityControl(
      {
        jobId: JOB_ID,
        metadata: METADATA,
        pinned: { bucket: 'src', key: 'uploads/detail.mp4', size, sourceEtag: '"e"' },
        fileInput: settings.Inputs![0].FileInput!,
        plan: { ...plan, quality: plan.quality! },
        transcode: { mediaConvertJobId: job.Id, outputGroupDetails: job.OutputGroupDetails ?? [] },
      },
      { s3: bucket.s3, log: silentLog },
    );
  }

  it('passes the plan as planned, with numeric SSIM and PSNR for every rung', async () => {
    // Act
    const result = await transcodeAndCheck(plan.settings, 'work-normal');

    // Assess
    expect(result.failures).toEqual([]);
    expect(result.passed).toBe(true);
    expect(result.quality?.rungs.map((r) => [r.name, r.width, r.height, r.top])).toEqual([
      ['video_360p', 640, 360, true],
      ['master_360p', 640, 360, true],
      ['master_270p', 480, 270, false],
    ]);
    for (const rung of result.quality!.rungs) {
      expect(rung.ssim.frames).toBe(50);
      expect(rung.ssim.p5).toBeGreaterThanOrEqual(0.9);
      expect(rung.psnr.mean).toBeGreaterThan(30);
      expect(rung.vmaf).toBeUndefined();
    }
  });

  it('fails a starved rung (10 kbit/s, QVBR 1 at 640x360) with QualityBelowThreshold naming the rung, metric, value and threshold', async () => {
    // Prepare: the same plan, its top HLS rung starved.
    const starved = structuredClone(plan.settings) as JobSettings;
    const hls = starved.OutputGroups!.find((g) => g.Name === 'HLS')!;
    const h264 = hls.Outputs![0].VideoDescription!.CodecSettings!.H264Settings!;
    h264.MaxBitrate = 10_000;
    h264.QvbrSettings = { QvbrQualityLevel: 1 };

    // Act
    const result = await transcodeAndCheck(starved, 'work-starved');

    // Assess
    expect(result.passed).toBe(false);
    expect(result.error).toBe('QualityBelowThreshold');
    expect(result.failures.length).toBeGreaterThan(0);
    for (const failure of result.failures) {
      expect(failure).toMatch(/^QualityBelowThreshold: rung master_360p \(640x360, top\) (SSIM|PSNR) [a-z0-9 -]+ is [\d.]+, below the threshold [\d.]+$/);
    }
    expect(result.failures).toEqual(expect.arrayContaining([expect.stringMatching(/SSIM 5th percentile is 0\.\d+, below the threshold 0\.9$/)]));
    const rungs = new Map(result.quality!.rungs.map((r) => [r.name, r]));
    expect(rungs.get('master_360p')!.ssim.p5).toBeLessThan(0.9);
    // The other outputs were not starved and still measure well.
    expect(rungs.get('video_360p')!.ssim.p5).toBeGreaterThanOrEqual(0.9);
    expect(rungs.get('master_270p')!.ssim.p5).toBeGreaterThanOrEqual(0.8);
  });
});
