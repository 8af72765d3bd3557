import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, truncate, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, sep } from 'node:path';
import { localDeliveryBaseUrl } from '../../local/delivery';
import { ffmpegAvailable, ffprobe, probedVideoSize } from '../../local/ffmpeg';
import { makeClip, runLocal } from './fixtures';

// m3u8-parser ships no types; this is the part of its API the test reads.
const { Parser } = require('m3u8-parser') as {
  Parser: new () => { push(t: string): void; end(): void; manifest: { playlists?: Array<{ uri: string; attributes: { RESOLUTION?: { width: number; height: number }; BANDWIDTH?: number } }> } };
};


interface JsonRecord {
  file: string;
  jobId?: string;
  status: string;
  /** The record's owner: the local run's jobs belong to "local". */
  owner?: string;
  error?: { name: string; cause: string };
  outputs: { mp4: string[]; hls?: string; thumbnails: string[] };
  metadata?: { displayWidth: number; displayHeight: number; audioTrackCount: number };
  localWarnings: string[];
  playback?: { hls?: string; mp4: string[]; thumbnails: string[] };
  quality?: { rungs: Array<{ name: string; ssim: Stats; psnr: Stats; vmaf?: Stats }> };
}

interface Stats {
  mean: number;
  p5: number;
  min: number;
  worstSecond: number;
  frames: number;
}

async function hlsRenditionNames(masterPath: string): Promise<string[]> {
  const parser = new Parser();
  parser.push(await readFile(masterPath, 'utf8'));
  parser.end();
  return (parser.manifest.playlists ?? []).map((p) => basename(p.uri, '.m3u8'));
}

function lastLineJson(stdout: string): JsonRecord[] {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as JsonRecord[];
}

const haveFfmpeg = ffmpegAvailable();
if (!haveFfmpeg) console.warn('ffmpeg/ffprobe not found: skipping the local-run end-to-end test (CI installs ffmpeg)');
const suite = haveFfmpeg ? describe : describe.skip;

suite('npm run local (end to end: real ASL, real handlers, stand-ins, ffmpeg)', () => {
  let dir: string;
  let state: string;
  let out: string;
  const clip = (name: string) => join(dir, name);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'local-run-'));
    state = join(dir, 'state');
    out = join(dir, 'out');
    makeClip(clip('landscape.mov'), { width: 320, height: 180, seconds: 2, audio: true });
    makeClip(clip('portrait.mp4'), { width: 180, height: 320, seconds: 2, audio: false });
    await writeFile(clip('not-a-video.mp4'), 'This is a text file with a video extension.\n');
    await writeFile(clip('empty.mp4'), '');
    await copyFile(clip('landscape.mov'), clip('truncated.mov'));
    await truncate(clip('truncated.mov'), Math.floor((await stat(clip('landscape.mov'))).size / 3));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('completes good clips with real outputs and fails bad files with UnsupportedMedia, each on its own', async () => {
    // Act
    const run = await runLocal([
      clip('landscape.mov'), clip('portrait.mp4'), clip('not-a-video.mp4'), clip('empty.mp4'), clip('truncated.mov'),
      '--json', '--concurrency', '3', '--state', state, '--out', out,
    ]);

    // Assess
    expect(run.code).toBe(1); // not every video completed
    const records = lastLineJson(run.stdout);
    const byName = new Map(records.map((r) => [r.file.split('/').pop()!, r]));
    expect(records.map((r) => [r.file.split('/').pop(), r.status, r.error?.name])).toEqual([
      ['landscape.mov', 'COMPLETED', undefined],
      ['portrait.mp4', 'COMPLETED', undefined],
      ['not-a-video.mp4', 'FAILED', 'UnsupportedMedia'],
      ['empty.mp4', 'FAILED', 'UnsupportedMedia'],
      ['truncated.mov', 'FAILED', 'UnsupportedMedia'],
    ]);

    // Every video that got a job record (all but the empty file, rejected before a job exists) is owned by "local".
    expect(records.filter((r) => r.jobId !== undefined).map((r) => r.owner)).toEqual(['local', 'local', 'local', 'local']);
    for (const name of ['landscape.mov', 'portrait.mp4']) {
      const record = byName.get(name)!;
      // The one setting the local run cannot honour: VMAF needs an ffmpeg with libvmaf (SSIM and PSNR are measured).
      expect(record.localWarnings).toEqual([expect.stringMatching(/^PerFrameMetrics VMAF not measured locally \(\d+ requests\)/)]);
      // Real picture-quality numbers for every rung: the MP4 and each HLS rendition the master lists.
      const rungs = record.quality?.rungs ?? [];
      expect(rungs.map((r) => r.name).sort()).toEqual(
        [...record.outputs.mp4.map((p) => basename(p, '.mp4')), ...(await hlsRenditionNames(record.outputs.hls!))].sort(),
      );
      for (const rung of rungs) {
        for (const stats of [rung.ssim, rung.psnr]) {
          expect(stats.frames).toBeGreaterThan(0);
          for (const v of [stats.mean, stats.p5, stats.min, stats.worstSecond]) expect(Number.isFinite(v)).toBe(true);
        }
        expect(rung.ssim.p5).toBeGreaterThan(0.9);
      }
      expect(record.outputs.mp4.length).toBeGreaterThan(0);
      expect(record.outputs.thumbnails.length).toBeGreaterThan(0);
      for (const path of [...record.outputs.mp4, ...record.outputs.thumbnails, record.outputs.hls!]) {
        expect(path.startsWith(join(out, record.jobId!))).toBe(true);
        expect((await stat(path)).size).toBeGreaterThan(0);
      }
      // Playback URLs on the local delivery server (npm run local:serve): URL path = output
      // object key (`/<jobId>/...`), the layout the CloudFront distribution serves.
      const asUrl = (path: string) => `${localDeliveryBaseUrl()}/${record.jobId}/${relative(join(out, record.jobId!), path).split(sep).join('/')}`;
      expect(record.playback).toEqual({ hls: asUrl(record.outputs.hls!), mp4: record.outputs.mp4.map(asUrl), thumbnails: record.outputs.thumbnails.map(asUrl) });
      // The master lists every rendition, each present locally, at a size with the source's orientation.
      const parser = new Parser();
      parser.push(await readFile(record.outputs.hls!, 'utf8'));
      parser.end();
      const playlists = parser.manifest.playlists ?? [];
      expect(playlists.length).toBeGreaterThan(0);
      for (const p of playlists) {
        expect(existsSync(join(dirname(record.outputs.hls!), p.uri))).toBe(true);
        const { width, height } = p.attributes.RESOLUTION!;
        expect(name === 'portrait.mp4' ? height > width : width > height).toBe(true);
        expect(p.attributes.BANDWIDTH).toBeGreaterThan(0);
      }
      const mp4 = await ffprobe(record.outputs.mp4[0]);
      const size = probedVideoSize(mp4)!;
      expect(name === 'portrait.mp4' ? size.height > size.width : size.width > size.height).toBe(true);
      expect(mp4.streams.some((s) => s.codec_type === 'audio')).toBe(name === 'landscape.mov');
    }

    // The failure path ran for the files that got a job: record FAILED, notification sent.
    const notifications = (await readFile(join(state, 'notifications.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { message: string });
    const events = notifications.map((n) => JSON.parse(n.message) as { event: string; jobId: string });
    expect(events.filter((e) => e.event === 'JOB_FAILED').map((e) => e.jobId).sort()).toEqual(
      [byName.get('not-a-video.mp4')!.jobId, byName.get('truncated.mov')!.jobId].sort(),
    );
    expect(byName.get('empty.mp4')!.jobId).toBeUndefined(); // rejected by start-job before a job exists, as the API does
    expect(run.stderr).toContain('landscape.mov');
    expect(run.stderr).toMatch(/file\s+status\s+duration\s+outputs\s+wall time/);
  });

  it('exits 0 when every video completes, and --clean removes the state folder', async () => {
    // Act
    const run = await runLocal([clip('landscape.mov'), '--state', state]);
    const clean = await runLocal(['--clean', '--state', state]);

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/landscape\.mov\s+COMPLETED\s+2\.0s/);
    expect(clean.code).toBe(0);
    expect(existsSync(state)).toBe(false);
  });
});
