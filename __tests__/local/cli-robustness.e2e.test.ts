import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ffmpegAvailable } from '../../local/ffmpeg';
import { readJournal } from '../../local/job-journal';
import { stateLayout } from '../../local/state-layout';
import { makeClip } from './fixtures';

const ROOT = resolve(__dirname, '..', '..');

const haveFfmpeg = ffmpegAvailable();
if (!haveFfmpeg) console.warn('ffmpeg/ffprobe not found: skipping the local CLI robustness end-to-end test (CI installs ffmpeg)');
const suite = haveFfmpeg ? describe : describe.skip;

interface Run {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  readonly exit: Promise<number | null>;
}

function start(command: string, args: string[]): Run {
  const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, INIT_CWD: ROOT } });
  const run: Run = {
    child,
    stdout: '',
    stderr: '',
    exit: new Promise((done, reject) => {
      child.on('error', reject);
      child.on('close', (code) => done(code));
    }),
  };
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (run.stdout += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (run.stderr += c));
  return run;
}

/** Resolves once `text` appears on the run's stdout (the progress lines), or fails if it exits first. */
function waitFor(run: Run, text: string): Promise<void> {
  return new Promise((done, reject) => {
    const check = () => {
      if (run.stdout.includes(text)) {
        run.child.stdout!.off('data', check);
        done();
      }
    };
    run.child.stdout!.on('data', check);
    void run.exit.then(() => reject(new Error(`exited before printing "${text}": ${run.stdout}\n${run.stderr}`)));
    check();
  });
}

suite('npm run local on what a new user types (end to end)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cli-e2e-'));
    makeClip(join(dir, 'short.mp4'), { width: 320, height: 180, seconds: 2, audio: true });
    makeClip(join(dir, 'long.mp4'), { width: 640, height: 360, seconds: 60, audio: true });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('skips a folder among the videos (exit 2), runs the others, and `npm run -s ... --json` prints JSON alone on stdout', async () => {
    // Act
    const run = start('npm', ['run', '-s', 'local', '--', join(dir, 'short.mp4'), ROOT, '--json', '--state', join(dir, 'state-a')]);
    const code = await run.exit;

    // Assess
    expect(code).toBe(2);
    expect(run.stderr).toContain(`Skipping ${ROOT}: it is a folder, not a video file`);
    const records = JSON.parse(run.stdout) as Array<{ file: string; status: string }>;
    expect(records).toEqual([expect.objectContaining({ file: join(dir, 'short.mp4'), status: 'COMPLETED' })]);
  });

  it('holds the state folder against a second run, and on Ctrl-C stops ffmpeg, removes scratch files and says what was interrupted', async () => {
    // Prepare: a run busy transcoding
    const state = join(dir, 'state-b');
    const first = start(process.execPath, ['--import', 'tsx', 'scripts/local-run.ts', join(dir, 'long.mp4'), '--state', state]);
    await waitFor(first, 'long.mp4: Transcode');

    // Act: a second run on the same folder
    const second = start(process.execPath, ['--import', 'tsx', 'scripts/local-run.ts', join(dir, 'short.mp4'), '--state', state]);
    const secondCode = await second.exit;

    // Act: Ctrl-C (the terminal signals the whole process group; here the CLI alone)
    first.child.kill('SIGINT');
    const firstCode = await first.exit;

    // Assess: the second run was refused, naming the first
    expect(secondCode).toBe(2);
    expect(second.stderr).toContain(`is in use by process ${first.child.pid}`);
    // Assess: the first stopped cleanly
    expect(firstCode).toBe(130);
    expect(first.stdout).toContain('Interrupted (Ctrl-C).');
    expect(first.stdout).toMatch(/long\.mp4: interrupted in Transcode \(job [0-9a-f]+\)/);
    expect(first.stderr).not.toMatch(/\n\s+at /);
    const work = stateLayout(state).work;
    expect(existsSync(work) ? await readdir(work) : []).toEqual([]);
    expect(existsSync(stateLayout(state).lock)).toBe(false);
    const ffmpegLeft = spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).stdout.split('\n').filter((l) => l.includes('ffmpeg') && l.includes(state));
    expect(ffmpegLeft).toEqual([]);
    const [job] = await readJournal(state);
    expect(job).toMatchObject({ status: 'FAILED', error: { name: 'Interrupted' }, failedState: 'Transcode' });
  });
});
