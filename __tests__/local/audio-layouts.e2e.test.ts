/**
 * A real mono clip and a real 5.1 clip through the whole local run (real ASL, real handlers,
 * ffmpeg as MediaConvert): extract-metadata reads the channel layout, plan-transcode plans the
 * remix (handlers/plan-transcode/audio.ts), the local transcoder applies it. The outputs are then
 * measured per channel with ffmpeg (band-pass + astats on each tone of the fixture).
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ffmpegAvailable, ffprobe } from '../../local/ffmpeg';
import { runLocal } from './fixtures';

const ROOT = resolve(__dirname, '..', '..');
const FIXTURES = join(ROOT, '__tests__', 'fixtures', 'media');

interface RunRecord {
  file: string;
  status: string;
  metadata?: { audioChannels?: number; audioChannelLayout?: string };
  outputs: { mp4: string[] };
  localWarnings: string[];
}

/** RMS level (dB) of one output channel, optionally band-passed around one of the fixture's tones. */
function channelRmsDb(file: string, channel: 0 | 1, hz?: number): number {
  const filter = `pan=mono|c0=c${channel},${hz === undefined ? '' : `bandpass=f=${hz}:w=30,`}astats=metadata=0`;
  const r = spawnSync('ffmpeg', ['-hide_banner', '-nostats', '-i', file, '-af', filter, '-f', 'null', '-'], { encoding: 'utf8' });
  const match = /RMS level dB: (-?[\d.]+|-inf)/.exec(r.stderr);
  if (!match) throw new Error(`no RMS level for ${file} c${channel}: ${r.stderr.slice(-500)}`);
  return match[1] === '-inf' ? -Infinity : Number(match[1]);
}

const suite = ffmpegAvailable() ? describe : describe.skip;

suite('mono and 5.1 sources through the local run (issue #20, point 5)', () => {
  let dir: string;
  let records: Map<string, RunRecord>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'audio-layouts-'));
    const run = await runLocal([join(FIXTURES, 'mono.mp4'), join(FIXTURES, 'surround-5.1.mp4'), '--json', '--state', join(dir, 'state'), '--out', join(dir, 'out')]);
    if (run.code !== 0) throw new Error(`npm run local failed (${run.code}): ${run.stderr.slice(-2000)}`);
    const lines = run.stdout.trim().split('\n');
    records = new Map((JSON.parse(lines[lines.length - 1]) as RunRecord[]).map((r) => [r.file.split('/').pop()!, r]));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('completes both with stereo AAC outputs and no audio setting left unhonoured', async () => {
    for (const name of ['mono.mp4', 'surround-5.1.mp4']) {
      const record = records.get(name)!;
      expect(record.status).toBe('COMPLETED');
      // Only the VMAF report is beyond the local ffmpeg (no libvmaf); every audio setting is honoured.
      expect(record.localWarnings).toEqual([expect.stringMatching(/^PerFrameMetrics VMAF not measured locally \(\d+ requests\)/)]);
      const audio = (await ffprobe(record.outputs.mp4[0])).streams.filter((s) => s.codec_type === 'audio');
      expect(audio.map((s) => [s.codec_name, s.channels])).toEqual([['aac', 2]]);
    }
    expect(records.get('mono.mp4')!.metadata).toMatchObject({ audioChannels: 1, audioChannelLayout: 'M' });
    expect(records.get('surround-5.1.mp4')!.metadata).toMatchObject({ audioChannels: 6, audioChannelLayout: 'C L R Ls Rs LFE' });
  });

  it('plays the mono source on both sides at the same level', () => {
    const mp4 = records.get('mono.mp4')!.outputs.mp4[0];
    const [left, right] = [channelRmsDb(mp4, 0), channelRmsDb(mp4, 1)];
    expect(left).toBeGreaterThan(-40);
    expect(Math.abs(left - right)).toBeLessThan(0.5);
  });

  it('downmixes 5.1: L and Ls left, R and Rs right, the centre on both, the LFE dropped', () => {
    // The fixture's tones: L 550, R 660, C 440, LFE 60, Ls 770, Rs 880 Hz.
    const mp4 = records.get('surround-5.1.mp4')!.outputs.mp4[0];
    const level = (channel: 0 | 1, hz: number) => channelRmsDb(mp4, channel, hz);
    const SEPARATION_DB = 12;
    expect(level(0, 550) - level(1, 550)).toBeGreaterThan(SEPARATION_DB); // L
    expect(level(1, 660) - level(0, 660)).toBeGreaterThan(SEPARATION_DB); // R
    expect(level(0, 770) - level(1, 770)).toBeGreaterThan(SEPARATION_DB); // Ls
    expect(level(1, 880) - level(0, 880)).toBeGreaterThan(SEPARATION_DB); // Rs
    expect(Math.abs(level(0, 440) - level(1, 440))).toBeLessThan(1); // C on both sides
    // -3 dB for the centre relative to a front channel, within the codec's tolerance.
    expect(level(0, 550) - level(0, 440)).toBeGreaterThan(1.5);
    for (const channel of [0, 1] as const) expect(level(channel, 440) - level(channel, 60)).toBeGreaterThan(25); // LFE
  });
});
