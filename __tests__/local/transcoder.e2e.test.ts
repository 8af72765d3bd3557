import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ffmpegAvailable, ffprobe, probedVideoSize } from '../../local/ffmpeg';
import type { S3Location } from '../../local/s3-uri';
import { runLocalTranscode, TranscodeFailed, type ObjectStore } from '../../local/transcoder';
import { jobSettingsFixture, makeClip } from './fixtures';

/** An ObjectStore over a folder (`<root>/<bucket>/<key>`), so the transcoder is tested without S3. */
class FolderStore implements ObjectStore {
  readonly uploads: Array<{ key: string; contentType: string }> = [];
  constructor(private readonly root: string) {}
  path(loc: S3Location): string {
    return join(this.root, loc.bucket, loc.key);
  }
  async download(from: S3Location, toPath: string): Promise<void> {
    await copyFile(this.path(from), toPath);
  }
  async upload(fromPath: string, to: S3Location, contentType: string): Promise<void> {
    await mkdir(dirname(this.path(to)), { recursive: true });
    await copyFile(fromPath, this.path(to));
    this.uploads.push({ key: `${to.bucket}/${to.key}`, contentType });
  }
}

const haveFfmpeg = ffmpegAvailable();
if (!haveFfmpeg) console.warn('ffmpeg/ffprobe not found: skipping the local transcoder tests (CI installs ffmpeg)');
const suite = haveFfmpeg ? describe : describe.skip;

suite('runLocalTranscode (ffmpeg)', () => {
  let dir: string;
  let store: FolderStore;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'transcoder-'));
    store = new FolderStore(join(dir, 's3'));
    await mkdir(join(dir, 's3', 'src', 'uploads'), { recursive: true });
    makeClip(join(dir, 's3', 'src', 'uploads', 'clip.mov'), { width: 320, height: 180, seconds: 2, audio: true });
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes MP4, an HLS ladder with a master listing every rendition, and numbered thumbnails, and reports them like MediaConvert', async () => {
    // Prepare
    const settings = jobSettingsFixture({ source: 's3://src/uploads/clip.mov', output: 'out', jobId: 'job1', audio: true });
    const phases = new Set<string>();

    // Act
    const { job, warnings } = await runLocalTranscode(
      { Settings: settings, UserMetadata: { jobId: 'job1' } },
      { store, workRoot: join(dir, 'work'), onProgress: (p) => phases.add(p.phase) },
    );

    // Assess
    expect(job.Status).toBe('COMPLETE');
    expect(job.Id).toMatch(/^\d{13}-[0-9a-f]{6}$/);
    expect(warnings).toEqual([]);
    expect([...phases]).toEqual(['DOWNLOADING', 'PROBING', 'TRANSCODING', 'UPLOADING']);
    expect(job.OutputGroupDetails).toEqual([
      { Type: 'FILE_GROUP', OutputDetails: [{ OutputFilePaths: ['s3://out/job1/mp4/clip_180p.mp4'], DurationInMs: expect.any(Number), VideoDetails: { WidthInPx: 320, HeightInPx: 180 } }] },
      {
        Type: 'HLS_GROUP',
        PlaylistFilePaths: ['s3://out/job1/hls/index.m3u8'],
        OutputDetails: [
          { OutputFilePaths: ['s3://out/job1/hls/index_180p.m3u8'], DurationInMs: expect.any(Number), VideoDetails: { WidthInPx: 320, HeightInPx: 180 } },
          { OutputFilePaths: ['s3://out/job1/hls/index_144p.m3u8'], DurationInMs: expect.any(Number), VideoDetails: { WidthInPx: 256, HeightInPx: 144 } },
        ],
      },
      { Type: 'FILE_GROUP', OutputDetails: [{ OutputFilePaths: ['s3://out/job1/thumbnails/thumb.0000001.jpg'], DurationInMs: expect.any(Number), VideoDetails: { WidthInPx: 320, HeightInPx: 180 } }] },
    ]);
    for (const group of job.OutputGroupDetails!) {
      for (const d of group.OutputDetails) expect(Math.abs(d.DurationInMs! - 2000)).toBeLessThanOrEqual(100);
    }

    const master = await readFile(join(dir, 's3', 'out', 'job1', 'hls', 'index.m3u8'), 'utf8');
    expect(master.split('\n').filter((l) => !l.startsWith('#') && l !== '')).toEqual(['index_180p.m3u8', 'index_144p.m3u8']);
    expect(master).toMatch(/RESOLUTION=320x180/);
    expect(master).toMatch(/RESOLUTION=256x144/);
    expect(master).toMatch(/CODECS="avc1\.64[0-9a-f]{4},mp4a\.40\.2"/);

    expect((await readdir(join(dir, 's3', 'out', 'job1', 'hls'))).sort()).toEqual([
      'index.m3u8', 'index_144p.m3u8', 'index_144p_00001.ts', 'index_180p.m3u8', 'index_180p_00001.ts',
    ]);
    expect((await readdir(join(dir, 's3', 'out', 'job1', 'thumbnails'))).sort()).toEqual(['thumb.0000000.jpg', 'thumb.0000001.jpg']);
    const mp4 = await ffprobe(join(dir, 's3', 'out', 'job1', 'mp4', 'clip_180p.mp4'));
    expect(probedVideoSize(mp4)).toEqual({ width: 320, height: 180 });
    expect(mp4.streams.map((s) => s.codec_name).sort()).toEqual(['aac', 'h264']);
    expect(store.uploads.find((u) => u.key.endsWith('.m3u8'))?.contentType).toBe('application/vnd.apple.mpegurl');
    // The scratch folder is gone.
    expect(await readdir(join(dir, 'work'))).toEqual([]);
  });

  it('fails like a MediaConvert job (Status ERROR, ErrorCode 1010) when the input is not media', async () => {
    // Prepare
    await writeFile(join(dir, 's3', 'src', 'uploads', 'bad.mov'), 'this is not a video');
    const settings = jobSettingsFixture({ source: 's3://src/uploads/bad.mov', output: 'out', jobId: 'job2', audio: false });

    // Act
    const error = (await runLocalTranscode({ Settings: settings }, { store, workRoot: join(dir, 'work') }).catch((e: unknown) => e)) as TranscodeFailed;

    // Assess
    expect(error).toBeInstanceOf(TranscodeFailed);
    expect(error.job).toMatchObject({ Status: 'ERROR', ErrorCode: 1010 });
    expect(error.job.ErrorMessage).toMatch(/^ffprobe failed on /);
  });
});
