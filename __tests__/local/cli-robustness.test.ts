import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseCliArgs, parseServeArgs, UsageError } from '../../local/cli-args';
import { main, STATE_MARKER, type CliIo } from '../../local/cli';
import { readJournal, writeJournalEntry } from '../../local/job-journal';
import { jobRecordFixture, journalEntryFixture } from './fixtures';
import { lockStateFolder, StateFolderBusy } from '../../local/state-lock';
import { folderSize, pruneJobs } from '../../local/state-prune';
import { stateLayout } from '../../local/state-layout';

const ROOT = resolve(__dirname, '..', '..');

function capture(): { out: string[]; err: string[]; io: CliIo } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { stdout: { write: (t: string) => out.push(t), isTTY: false }, stderr: { write: (t: string) => err.push(t) } } };
}

describe('npm run local: what a user types never crashes it', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cli-robust-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('rejects a folder given as a video with exit 2 before any work, naming it', async () => {
    // Prepare
    const { err, io } = capture();
    const state = join(dir, 'state');

    // Act
    const code = await main([dir, '--state', state], io);

    // Assess
    expect(code).toBe(2);
    expect(err.join('')).toContain(`Skipping ${dir}: it is a folder, not a video file`);
    expect(existsSync(stateLayout(state).lock)).toBe(false);
  });

  it('rejects --state naming a file with exit 2, without a stack trace', async () => {
    // Prepare
    const { err, io } = capture();
    const file = join(dir, 'a-file');
    await writeFile(file, 'x');

    // Act
    const code = await main(['clip.mov', '--state', file], io);

    // Assess
    expect(code).toBe(2);
    expect(err.join('')).toBe(`--state ${file} is a file, not a folder\n`);
  });

  it.each([
    ['a file', (d: string) => join(d, 'a-file'), (f: string) => `--out ${f} is a file, not a folder\n`],
    ['a path through a file', (d: string) => join(d, 'a-file', 'sub'), (f: string) => `--out ${f} cannot be created (ENOTDIR): a file is in the way\n`],
  ])('rejects --out naming %s with exit 2 before any work', async (_label, outOf, message) => {
    // Prepare
    const { err, io } = capture();
    await writeFile(join(dir, 'a-file'), 'x');
    const out = outOf(dir);

    // Act
    const code = await main(['clip.mov', '--state', join(dir, 'state'), '--out', out], io);

    // Assess
    expect(code).toBe(2);
    expect(err.join('')).toBe(message(out));
    expect(existsSync(join(dir, 'state', 'logs'))).toBe(false);
  });

  it('refuses a state folder another live run holds, naming its process, with exit 2', async () => {
    // Prepare: the lock as a run in the parent process (alive) wrote it
    const { err, io } = capture();
    const state = join(dir, 'state');
    await mkdir(state);
    await writeFile(stateLayout(state).lock, JSON.stringify({ pid: process.ppid, startedAt: '2026-01-01T00:00:00.000Z', command: 'npm run local a.mov' }));

    // Act
    const code = await main([join(ROOT, '__tests__/fixtures/media/landscape.mp4'), '--state', state], io);

    // Assess
    expect(code).toBe(2);
    expect(err.join('')).toContain(`The state folder ${state} is in use by process ${process.ppid} (npm run local a.mov, started 2026-01-01T00:00:00.000Z)`);
    expect(err.join('')).toContain('--state DIR');
    expect(JSON.parse(await readFile(stateLayout(state).lock, 'utf8')).pid).toBe(process.ppid);
  });

  it('says how to install ffmpeg when it is missing, before any work', () => {
    // Act: a fresh module load sees FFMPEG_PATH (local/ffmpeg.ts reads it at load)
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'scripts/local-run.ts', join(ROOT, '__tests__/fixtures/media/landscape.mp4'), '--state', join(dir, 'state')],
      { cwd: ROOT, encoding: 'utf8', env: { ...process.env, FFMPEG_PATH: join(dir, 'no-ffmpeg'), INIT_CWD: ROOT } },
    );

    // Assess
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('ffmpeg and ffprobe are needed');
    expect(run.stderr).toContain('sudo apt-get install ffmpeg');
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(dir, 'state', 'logs'))).toBe(false);
  });

  it('--clean alone removes the state folder, lock included', async () => {
    // Prepare
    const { err, io } = capture();
    const state = join(dir, 'state');
    await mkdir(join(state, 's3'), { recursive: true });
    await writeFile(join(state, STATE_MARKER), '');

    // Act
    const code = await main(['--clean', '--state', state], io);

    // Assess
    expect(code).toBe(0);
    expect(err.join('')).toBe(`Removed ${state}\n`);
    expect(existsSync(state)).toBe(false);
  });

  it('--open alone serves the review page for the state folder until stopped', async () => {
    // Prepare
    const out: string[] = [];
    let pageStatus: number | undefined;
    const state = join(dir, 'state');
    const io: CliIo = {
      stdout: { write: (t: string) => out.push(t), isTTY: false },
      stderr: { write: () => undefined },
      // "Ctrl-C" once the page has been fetched
      untilStopped: async () => {
        const url = /Serving the review page at (\S+)\//.exec(out.join(''))![1]!;
        pageStatus = (await fetch(`${url}/api/jobs`)).status;
      },
    };

    // Act
    const code = await main(['--open', '--port', '0', '--state', state], io);

    // Assess
    expect(code).toBe(0);
    expect(out.join('')).toMatch(/^Review page: http:\/\/127\.0\.0\.1:\d+\/\n/);
    expect(pageStatus).toBe(200);
    expect(existsSync(stateLayout(state).lock)).toBe(false);
  });

  it('--keep alone prunes older jobs and says the folder size', async () => {
    // Prepare
    const { out, io } = capture();
    const state = join(dir, 'state');
    await mkdir(state, { recursive: true });
    await writeFile(join(state, STATE_MARKER), '');
    for (const [jobId, startedAt] of [['old', '2026-01-01T00:00:00Z'], ['new', '2026-01-02T00:00:00Z']] as const) {
      await writeJournalEntry(state, journalEntry(jobId, startedAt));
    }

    // Act
    const code = await main(['--keep', '1', '--state', state], io);

    // Assess
    expect(code).toBe(0);
    expect((await readJournal(state)).map((j) => j.jobId)).toEqual(['new']);
    expect(out.join('')).toContain('Removed 1 older job(s); kept the newest 1 (--keep 1).');
    expect(out.join('')).toMatch(new RegExp(`State folder ${state}: \\d+(\\.\\d)? (B|KiB)`));
  });
});

const journalEntry = (jobId: string, startedAt: string) =>
  journalEntryFixture(jobId, startedAt, { record: jobRecordFixture(jobId, startedAt, { source: { bucket: 'video-workflow-local-source', key: `uploads/${jobId}0000/${jobId}.mov`, etag: 'e', size: 1 } }) });

describe('pruneJobs', () => {
  it("deletes the older jobs' outputs, source, archive copy, local copy and journal entry, and nothing of the kept ones", async () => {
    // Prepare
    const state = await mkdtemp(join(tmpdir(), 'prune-'));
    const layout = stateLayout(state);
    const files = (jobId: string) => [
      join(layout.s3, 'video-workflow-local-output', jobId, 'hls', 'master.m3u8._S3rver_object'),
      join(layout.s3, 'video-workflow-local-source', 'uploads', `${jobId}0000`, `${jobId}.mov._S3rver_object`),
      join(layout.s3, 'video-workflow-local-archive', 'uploads', `${jobId}0000`, `${jobId}.mov._S3rver_object`),
      join(layout.out, jobId, 'mp4', 'video.mp4'),
    ];
    for (const [jobId, startedAt] of [['a', '2026-01-01T00:00:00Z'], ['b', '2026-01-02T00:00:00Z'], ['c', '2026-01-03T00:00:00Z']] as const) {
      await writeJournalEntry(state, journalEntry(jobId, startedAt));
      for (const f of files(jobId)) {
        await mkdir(resolve(f, '..'), { recursive: true });
        await writeFile(f, 'x'.repeat(100));
      }
    }

    // Act
    const result = await pruneJobs(state, 2);

    // Assess
    expect(result).toEqual({ removedJobs: ['a'], keptJobs: 2 });
    expect(files('a').filter(existsSync)).toEqual([]);
    expect([...files('b'), ...files('c')].every(existsSync)).toBe(true);
    expect((await readJournal(state)).map((j) => j.jobId)).toEqual(['c', 'b']);
    expect(await folderSize(join(layout.s3))).toBe(6 * 100);
    await rm(state, { recursive: true, force: true });
  });
});

describe('lockStateFolder', () => {
  it('takes over a lock whose process is gone, and releases only its own', async () => {
    // Prepare: a pid that has exited
    const state = await mkdtemp(join(tmpdir(), 'lock-'));
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    await writeFile(stateLayout(state).lock, JSON.stringify({ pid: Number(dead.stdout), startedAt: 'then', command: 'old run' }));

    // Act
    const lock = lockStateFolder(state, 'this run');
    const second = () => lockStateFolder(state, 'another run');

    // Assess
    expect(JSON.parse(await readFile(stateLayout(state).lock, 'utf8'))).toMatchObject({ pid: process.pid, command: 'this run' });
    expect(second).not.toThrow(); // the same process may re-enter (the pid is its own)
    lock.release();
    expect(existsSync(stateLayout(state).lock)).toBe(false);
    await rm(state, { recursive: true, force: true });
  });

  it('names the live holder', async () => {
    // Prepare
    const state = await mkdtemp(join(tmpdir(), 'lock-'));
    await writeFile(stateLayout(state).lock, JSON.stringify({ pid: process.ppid, startedAt: 'now', command: 'npm run local x.mov' }));

    // Act
    const act = () => lockStateFolder(state, 'this run');

    // Assess
    expect(act).toThrow(StateFolderBusy);
    expect(act).toThrow(`in use by process ${process.ppid} (npm run local x.mov, started now)`);
    await rm(state, { recursive: true, force: true });
  });
});

describe('parseServeArgs and the new flags', () => {
  it('reads --port and --state, with the delivery port by default', () => {
    // Assess
    expect(parseServeArgs([])).toEqual({ port: 8750, stateDir: '.local', help: false });
    expect(parseServeArgs(['--port', '0', '--state', 's'])).toEqual({ port: 0, stateDir: 's', help: false });
  });

  it.each([
    [['--port', 'web'], '--port must be an integer from 0 to 65535, got "web"'],
    [['clip.mov'], 'npm run local:serve takes no file arguments, got "clip.mov"'],
    [['--state', ''], '--state needs a folder'],
  ])('rejects %j', (argv, message) => {
    // Assess
    expect(() => parseServeArgs(argv)).toThrow(UsageError);
    expect(() => parseServeArgs(argv)).toThrow(message);
  });

  it('takes --keep, --open and --port without videos', () => {
    // Assess
    expect(parseCliArgs(['--keep', '3'])).toMatchObject({ keep: 3, files: [] });
    expect(parseCliArgs(['--open', '--port', '9000'])).toMatchObject({ open: true, port: 9000, files: [] });
  });
});
