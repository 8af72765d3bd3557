import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCliArgs, UsageError } from '../../local/cli-args';
import { cleanState, main, STATE_MARKER } from '../../local/cli';
import { createProgressDisplay, fileLabels, summaryTable } from '../../local/progress';
import { ProgressParser } from '../../local/ffmpeg';
import { mapBounded } from '../../local/pool';
import type { VideoResult } from '../../local/runtime';

describe('parseCliArgs', () => {
  it('reads files and options', () => {
    // Act
    const options = parseCliArgs(['a.mov', 'b.mp4', '--out', 'dist', '--json', '--concurrency', '3', '--state', 'tmp/state']);

    // Assess
    expect(options).toEqual({ files: ['a.mov', 'b.mp4'], outDir: 'dist', json: true, concurrency: 3, clean: false, stateDir: 'tmp/state', help: false });
  });

  it('defaults to two at a time, .local state and no --out', () => {
    // Act
    const options = parseCliArgs(['a.mov']);

    // Assess
    expect(options).toEqual({ files: ['a.mov'], json: false, concurrency: 2, clean: false, stateDir: '.local', help: false });
  });

  it('accepts --clean alone', () => {
    // Assess
    expect(parseCliArgs(['--clean'])).toMatchObject({ clean: true, files: [] });
  });

  it.each([
    [[], 'No video given'],
    [['a.mov', '--concurrency', '0'], '--concurrency must be a positive integer, got "0"'],
    [['a.mov', '--concurrency', 'two'], '--concurrency must be a positive integer, got "two"'],
    [['a.mov', '--bogus'], "Unknown option '--bogus'"],
  ])('rejects %j with a message that says what is wrong', (argv, message) => {
    // Act
    const act = () => parseCliArgs(argv);

    // Assess
    expect(act).toThrow(UsageError);
    expect(act).toThrow(message);
  });
});

describe('main (usage paths)', () => {
  const io = () => {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, io: { stdout: { write: (t: string) => out.push(t), isTTY: false }, stderr: { write: (t: string) => err.push(t) } } };
  };

  it('exits 2 with the usage on a bad command line', async () => {
    // Prepare
    const { err, io: streams } = io();

    // Act
    const code = await main(['--concurrency', 'x', 'a.mov'], streams);

    // Assess
    expect(code).toBe(2);
    expect(err.join('')).toContain('Usage: npm run local --');
  });

  it('prints the usage for --help and exits 0', async () => {
    // Prepare
    const { out, io: streams } = io();

    // Act
    const code = await main(['--help'], streams);

    // Assess
    expect(code).toBe(0);
    expect(out.join('')).toContain('--concurrency N');
  });
});

describe('cleanState', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'clean-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('removes a state folder that carries the marker', async () => {
    // Prepare
    const state = join(dir, 'state');
    await mkdir(join(state, 's3'), { recursive: true });
    await writeFile(join(state, STATE_MARKER), '');

    // Act
    const outcome = await cleanState(state);

    // Assess
    expect(outcome).toBe('removed');
    expect(existsSync(state)).toBe(false);
  });

  it('refuses to delete a non-empty folder without the marker', async () => {
    // Prepare
    await writeFile(join(dir, 'precious.txt'), 'keep me');

    // Act
    const act = cleanState(dir);

    // Assess
    await expect(act).rejects.toThrow(`not a local-run state folder (no ${STATE_MARKER} file)`);
    expect(existsSync(join(dir, 'precious.txt'))).toBe(true);
  });

  it('reports a missing folder as absent', async () => {
    // Assess
    await expect(cleanState(join(dir, 'nope'))).resolves.toBe('absent');
  });
});

const result = (over: Partial<VideoResult>): VideoResult => ({
  file: '/v/a.mov',
  status: 'COMPLETED',
  outputs: { mp4: [], thumbnails: [] },
  outputCount: 0,
  wallMs: 0,
  localWarnings: [],
  ...over,
});

describe('progress display and summary', () => {
  it('prints one plain line per stage and per transcode quarter when not on a TTY', () => {
    // Prepare
    const lines: string[] = [];
    const display = createProgressDisplay(['/v/a.mov'], { write: (t) => lines.push(t) }, false);

    // Act
    display.handle({ type: 'stage', file: '/v/a.mov', stage: 'ExtractMetadata' });
    display.handle({ type: 'stage', file: '/v/a.mov', stage: 'Transcode' });
    for (const percent of [3, 20, 26, 49, 51, 99, 100]) display.handle({ type: 'transcode', file: '/v/a.mov', phase: 'TRANSCODING', percent });
    display.handle({ type: 'finished', file: '/v/a.mov', result: result({ status: 'FAILED', error: { name: 'UnsupportedMedia', cause: 'x' } }) });
    display.stop();

    // Assess
    expect(lines).toEqual([
      'a.mov: ExtractMetadata\n',
      'a.mov: Transcode\n',
      'a.mov: Transcode 25%\n',
      'a.mov: Transcode 50%\n',
      'a.mov: Transcode 75%\n',
      'a.mov: Transcode 100%\n',
      'a.mov: FAILED (UnsupportedMedia)\n',
    ]);
  });

  it('redraws the block in place on a TTY, with a bar while transcoding', () => {
    // Prepare
    const chunks: string[] = [];
    const display = createProgressDisplay(['/v/a.mov', '/v/b.mov'], { write: (t) => chunks.push(t) }, true, () => 0);

    // Act
    display.handle({ type: 'stage', file: '/v/a.mov', stage: 'Transcode' });
    display.handle({ type: 'transcode', file: '/v/a.mov', phase: 'TRANSCODING', percent: 50 });
    display.stop();

    // Assess
    const last = chunks[chunks.length - 1];
    expect(last.startsWith('\x1b[2A')).toBe(true);
    expect(last).toContain('a.mov  [##########..........]  Transcode  50%');
    expect(last).toContain('b.mov');
  });

  it('labels files that share a name by position', () => {
    // Assess
    expect([...fileLabels(['/x/clip.mov', '/y/clip.mov', '/z/other.mp4']).values()]).toEqual(['clip.mov #1', 'clip.mov #2', 'other.mp4']);
  });

  it('summarises file, status, duration, outputs and wall time', () => {
    // Act
    const table = summaryTable(
      [
        result({ durationSeconds: 2, outputCount: 4, wallMs: 3200 }),
        result({ file: '/v/bad.mp4', status: 'FAILED', error: { name: 'UnsupportedMedia', cause: 'not media' }, wallMs: 400 }),
      ],
      ['/v/a.mov', '/v/bad.mp4'],
    );

    // Assess
    expect(table.split('\n')).toEqual([
      'file     status     duration  outputs  wall time  error',
      '-------  ---------  --------  -------  ---------  ----------------',
      'a.mov    COMPLETED  2.0s      4        3.2s',
      'bad.mp4  FAILED     -         0        0.4s       UnsupportedMedia',
    ]);
  });
});

describe('ProgressParser', () => {
  it('turns -progress blocks into rising whole percentages, across chunk boundaries', () => {
    // Prepare
    const seen: number[] = [];
    const parser = new ProgressParser(2000, (p) => seen.push(p));

    // Act
    parser.push('frame=10\nout_time_us=500');
    parser.push('000\nprogress=continue\nout_time_us=400000\nout_time_us=1999000\nprogress=continue\n');
    parser.push('progress=end\n');

    // Assess
    expect(seen).toEqual([25, 99, 100]);
  });

  it('reports only the end when the duration is unknown', () => {
    // Prepare
    const seen: number[] = [];
    const parser = new ProgressParser(undefined, (p) => seen.push(p));

    // Act
    parser.push('out_time_us=1000000\nprogress=end\n');

    // Assess
    expect(seen).toEqual([100]);
  });
});

describe('mapBounded', () => {
  it('keeps at most the limit in flight and returns results in input order', async () => {
    // Prepare
    let inFlight = 0;
    let peak = 0;
    const work = async (n: number) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setImmediate(r));
      inFlight--;
      return n * 10;
    };

    // Act
    const out = await mapBounded([1, 2, 3, 4, 5], 2, work);

    // Assess
    expect(out).toEqual([10, 20, 30, 40, 50]);
    expect(peak).toBe(2);
  });
});
