import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ffmpegAvailable, ffprobe, probedVideoSize } from '../../local/ffmpeg';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime';
import type { JobRecord } from '../../handlers/shared/job';
import { makeClip } from './fixtures';

const haveFfmpeg = ffmpegAvailable();
if (!haveFfmpeg) console.warn('ffmpeg/ffprobe not found: skipping the profile end-to-end test (CI installs ffmpeg)');
const suite = haveFfmpeg ? describe : describe.skip;

/**
 * The whole local workflow (real ASL, real handlers, stand-ins, ffmpeg as MediaConvert) per
 * profile on real clips: plan-transcode's settings, rendered by the local transcoder (libx265,
 * fMP4 HLS + DASH for CMAF), checked by the real quality control and published.
 */
/** The rungs QC measured (the picture-quality gate), each with real SSIM and PSNR numbers. */
function measuredRungs(record: JobRecord | undefined): string[] {
  const rungs = record?.quality?.rungs ?? [];
  for (const r of rungs) {
    expect(r.ssim.mean).toBeGreaterThan(0);
    expect(r.ssim.mean).toBeLessThanOrEqual(1);
    expect(Number.isFinite(r.psnr.mean)).toBe(true);
  }
  return rungs.map((r) => r.name).sort();
}

suite('profiles end to end (local run with ffmpeg)', () => {
  let dir: string;
  let runtime: LocalRuntime;
  const clip = (name: string) => join(dir, name);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'profiles-e2e-'));
    makeClip(clip('landscape.mov'), { width: 320, height: 180, seconds: 2, audio: true });
    makeClip(clip('portrait.mp4'), { width: 180, height: 320, seconds: 2, audio: false });
    runtime = await startLocalRuntime({ stateDir: join(dir, 'state'), outDir: join(dir, 'out') });
  }, 120_000);

  afterAll(async () => {
    await runtime?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('standard: MP4 + HLS ladder + thumbnails, QC passed', async () => {
    // Act
    const result = await runtime.runFile(clip('landscape.mov'), { profile: 'standard' });

    // Assess
    expect({ status: result.status, error: result.error }).toEqual({ status: 'COMPLETED', error: undefined });
    expect(result.record).toMatchObject({ profile: 'standard', qc: { passed: true } });
    expect(result.outputs.mp4).toHaveLength(1);
    expect(result.outputs.hls).toMatch(/hls\/master\.m3u8$/);
    expect(result.outputs.thumbnails.length).toBeGreaterThan(0);
    // The gate measured the MP4 and every HLS rendition.
    expect(measuredRungs(result.record)).toEqual(['master_180p', 'video_180p']);
  }, 300_000);

  it('premium: one CMAF group with an HEVC and an H.264 rendition, audio apart, HLS master and DASH manifest', async () => {
    // Act
    const result = await runtime.runFile(clip('landscape.mov'), { profile: 'premium' });

    // Assess
    expect({ status: result.status, error: result.error }).toEqual({ status: 'COMPLETED', error: undefined });
    expect(result.record).toMatchObject({ profile: 'premium', qc: { passed: true } });
    expect(result.outputs.mp4).toEqual([]);
    const master = await readFile(result.outputs.hls!, 'utf8');
    expect(master).toMatch(/CODECS="hvc1\.[^"]*,mp4a\.40\.2",AUDIO="audio"/);
    expect(master).toMatch(/CODECS="avc1\.[^"]*,mp4a\.40\.2",AUDIO="audio"/);
    expect(master).toContain('#EXT-X-MEDIA:TYPE=AUDIO');
    const hevc = await ffprobe(join(result.outputs.hls!, '..', 'master_hevc_180p_init.mp4'));
    expect(hevc.streams.find((s) => s.codec_type === 'video')?.codec_name).toBe('hevc');
    const mpd = await readFile(result.outputs.dash!, 'utf8');
    expect(mpd).toContain('<MPD');
    expect(mpd.match(/<Representation\b/g)).toHaveLength(3);
    // Both codecs' CMAF renditions wrote per-frame reports and passed the profile's floors.
    expect(measuredRungs(result.record)).toEqual(['master_avc_180p', 'master_hevc_180p']);
  }, 300_000);

  it('social: one MP4 per aspect (cropped, never upscaled) and a poster frame; no audio track stays without audio', async () => {
    // Act
    const result = await runtime.runFile(clip('portrait.mp4'), { profile: 'social' });

    // Assess
    expect({ status: result.status, error: result.error }).toEqual({ status: 'COMPLETED', error: undefined });
    expect(result.record).toMatchObject({ profile: 'social', qc: { passed: true } });
    const sizes = await Promise.all(result.outputs.mp4.map(async (p) => ({ file: p.split('/').pop(), size: probedVideoSize(await ffprobe(p)) })));
    expect(sizes).toEqual([
      { file: 'video_16x9.mp4', size: { width: 178, height: 100 } },
      { file: 'video_1x1.mp4', size: { width: 180, height: 180 } },
      { file: 'video_9x16.mp4', size: { width: 180, height: 320 } },
    ]);
    expect(result.outputs.thumbnails).toHaveLength(1);
    expect(result.outputs.thumbnails[0]).toMatch(/poster\/poster\.0000000\.jpg$/);
    expect(existsSync(result.outputs.thumbnails[0])).toBe(true);
    // Every cropped MP4 measured against the source cropped the same way, held to the top-rung floors.
    expect(measuredRungs(result.record)).toEqual(['video_16x9', 'video_1x1', 'video_9x16']);
    expect(result.record?.quality?.rungs.every((r) => r.ssim.p5 >= 0.9)).toBe(true);
  }, 300_000);
});
