import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { get } from 'node:http';
import { join, resolve } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { ffmpegAvailable } from '../../local/ffmpeg';
import { newestFirst, readJournal, type JournalEntry } from '../../local/job-journal';
import { startReviewServer, type ReviewServer } from '../../review/server';
import { makeClip, runLocal } from '../local/fixtures';

const ROOT = resolve(__dirname, '..', '..');
/** Debian's chromium package (CI installs it in .ci/run); CHROMIUM_PATH overrides. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Git-ignored: the job page's screenshot is kept here for people to look at. */
const ARTIFACTS = join(ROOT, 'test-artifacts');

const haveChromium = existsSync(CHROMIUM);
const haveFfmpeg = ffmpegAvailable();
if (!haveChromium) console.warn(`chromium not found at ${CHROMIUM}: skipping the review page browser test (CI installs Debian's chromium; set CHROMIUM_PATH to use another)`);
if (!haveFfmpeg) console.warn('ffmpeg/ffprobe not found: skipping the review page browser test (CI installs ffmpeg)');
const suite = haveChromium && haveFfmpeg ? describe : describe.skip;

/** The player's state as the page records it (review/ui/player.ts). */
async function playerState(page: Page) {
  return page.$eval('#hls-player', (figure) => {
    const video = figure.querySelector('video')!;
    const data = (figure as HTMLElement).dataset;
    return {
      currentTime: video.currentTime,
      levelsLoaded: (data.levelsLoaded ?? '').split(',').filter(Boolean).map(Number),
      levelSwitched: data.levelSwitched === undefined ? undefined : Number(data.levelSwitched),
      error: data.error,
      playing: (figure.querySelector('#current-rendition') as HTMLElement).textContent,
    };
  });
}

suite('review page in Chromium (npm run local:serve over a real local run)', () => {
  let dir: string;
  let state: string;
  let server: ReviewServer;
  let browser: Browser;
  let completed: JournalEntry;
  let failed: JournalEntry;
  let runOutput: string;
  const offOrigin: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'review-page-'));
    state = join(dir, 'state');
    // 640x360 plans a two-rung ladder (360p, 270p), so there is a rendition to switch to.
    makeClip(join(dir, 'ladder.mp4'), { width: 640, height: 360, seconds: 6, audio: true });
    // The server first (on a free port), so the run finds it and prints each job's review URL.
    server = await startReviewServer({ stateDir: state, port: 0 });
    const run = await runLocal([join(dir, 'ladder.mp4'), join(ROOT, '__tests__/fixtures/media/not-media.mp4'), '--state', state, '--port', String(server.port)]);
    if (run.code !== 1) throw new Error(`npm run local exited ${run.code}: ${run.stderr}`);
    runOutput = run.stdout;
    const jobs = await readJournal(state);
    completed = jobs.find((j) => j.status === 'COMPLETED')!;
    failed = jobs.find((j) => j.status === 'FAILED')!;
    browser = await puppeteer.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--autoplay-policy=no-user-gesture-required'], headless: true });
  }, 600_000); // a real local run: minutes on a busy 2-CPU machine

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function open(path: string): Promise<Page> {
    const page = await browser.newPage();
    await page.setViewport({ width: 1000, height: 900 });
    page.on('request', (req) => {
      if (!req.url().startsWith(`${server.url}/`) && !req.url().startsWith('blob:') && !req.url().startsWith('data:')) offOrigin.push(req.url());
    });
    await page.goto(`${server.url}${path}`, { waitUntil: 'networkidle0' });
    return page;
  }

  it('npm run local printed the review URL of each job, since a server was running for its state folder', () => {
    // Assess
    expect(runOutput).toContain(`Review page: ${server.url}/`);
    expect(runOutput).toContain(`ladder.mp4: review ${server.url}/jobs/${completed.jobId}`);
    expect(runOutput).toContain(`not-media.mp4: review ${server.url}/jobs/${failed.jobId}`);
  });

  it('lists both jobs, newest first, with status and error', async () => {
    // Act
    const page = await open('/');

    // Assess
    const rows = await page.$$eval('#jobs tbody tr', (trs) => trs.map((tr) => ({ id: tr.getAttribute('data-job-id'), text: tr.textContent })));
    const expected = [completed, failed].sort(newestFirst).map((j) => j.jobId);
    expect(rows.map((r) => r.id)).toEqual(expected);
    expect(rows.find((r) => r.id === completed.jobId)!.text).toContain('COMPLETED');
    expect(rows.find((r) => r.id === failed.jobId)!.text).toContain('UnsupportedMedia');
    await page.close();
  });

  it('plays the HLS master, switches rendition, loads every thumbnail and shows the QC checks of the record', async () => {
    // Prepare
    const page = await open(`/jobs/${completed.jobId}`);
    const levels = await page.$$eval('#rendition option', (options) => options.map((o) => (o).value).filter((v) => v !== '-1'));
    expect(levels).toHaveLength(2);

    // Act: play until time advances and hls.js has loaded a fragment
    await page.$eval('#player', (v) => (v as HTMLVideoElement).play());
    await page.waitForFunction(() => {
      const fig = document.querySelector('#hls-player') as HTMLElement;
      return (fig.querySelector('video') as HTMLVideoElement).currentTime > 0.5 && fig.dataset.levelsLoaded !== undefined;
    }, { timeout: 30_000 });
    const playing = await playerState(page);

    // Act: pin the rendition hls.js did not load, from the start
    const other = levels.map(Number).find((l) => !playing.levelsLoaded.includes(l))!;
    await page.$eval('#player', (v) => {
      (v as HTMLVideoElement).pause();
      (v as HTMLVideoElement).currentTime = 0;
    });
    await page.select('#rendition', String(other));
    await page.$eval('#player', (v) => (v as HTMLVideoElement).play());
    await page.waitForFunction(
      (level: number) => {
        const fig = document.querySelector('#hls-player') as HTMLElement;
        return fig.dataset.levelSwitched === String(level) && (fig.dataset.levelsLoaded ?? '').split(',').includes(String(level)) && (fig.querySelector('video') as HTMLVideoElement).currentTime > 0.5;
      },
      { timeout: 30_000 },
      other,
    );
    const switched = await playerState(page);

    // Assess: playback
    expect(playing.error).toBeUndefined();
    expect(playing.currentTime).toBeGreaterThan(0.5);
    expect(playing.levelsLoaded.length).toBeGreaterThan(0);
    expect(switched.levelSwitched).toBe(other);
    expect(switched.levelsLoaded).toContain(other);
    expect(switched.playing).toContain(`(level ${other})`);

    // Assess: thumbnails
    const thumbs = await page.$$eval('#thumbnails img', (imgs) => imgs.map((i) => ({ complete: (i).complete, width: (i).naturalWidth })));
    expect(thumbs.length).toBe(completed.record!.outputs!.thumbnails.length);
    for (const t of thumbs) expect(t.width).toBeGreaterThan(0);

    // Assess: the QC table is the record's
    const qc = await page.$$eval('#qc-table tbody tr', (trs) => trs.map((tr) => ({ name: tr.getAttribute('data-check'), passed: tr.getAttribute('data-passed') === 'true' })));
    expect(qc).toEqual(completed.qcChecks!.map((c) => ({ name: c.name, passed: c.passed })));
    expect(qc).toHaveLength(completed.record!.qc!.checkCount);
    expect(qc.every((c) => c.passed)).toBe(completed.record!.qc!.passed);

    // Assess: ladder rows, the timeline, nothing fetched off this server
    expect(await page.$$eval('#ladder-table tbody tr', (trs) => trs.length)).toBe(2);
    expect(await page.$$eval('#timeline g.step', (gs) => gs.map((g) => g.getAttribute('data-state')))).toEqual(completed.path.map((s) => s.name));
    expect(offOrigin).toEqual([]);

    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'review-job-page.png'), fullPage: true });
    await page.close();
  });

  it("shows a failed job's error name, cause and the state it failed in", async () => {
    // Act
    const page = await open(`/jobs/${failed.jobId}`);

    // Assess
    expect(await page.$eval('#error-name', (e) => e.textContent)).toBe('UnsupportedMedia');
    expect(await page.$eval('#failed-state', (e) => e.textContent)).toBe('ExtractMetadata');
    expect(await page.$eval('#error-cause', (e) => e.textContent)).toBe(failed.error!.cause);
    expect(await page.$('#hls-player')).toBeNull();
    await page.screenshot({ path: join(ARTIFACTS, 'review-failed-job.png'), fullPage: true });
    await page.close();
  });

  it('answers 404 for an unknown job and for paths outside the output bucket', async () => {
    // Act
    const page = await open('/jobs/no-such-job');
    const missing = await fetch(`${server.url}/${completed.jobId}/nope.m3u8`);
    const master = await fetch(`${server.url}/${completed.jobId}/hls/master.m3u8`);
    // Raw paths (fetch would normalise the dot segments away before sending them).
    const rawStatus = (path: string) =>
      new Promise<number | undefined>((done, reject) => get({ host: '127.0.0.1', port: server.port, path }, (res) => done(res.resume().statusCode)).on('error', reject));
    const escapes = await Promise.all(['/../../etc/passwd', `/${completed.jobId}/../../../etc/passwd`, '/%2e%2e/%2e%2e/etc/passwd'].map(rawStatus));

    // Assess
    expect(await page.$eval('#not-found', (e) => e.textContent)).toContain('No local job no-such-job');
    expect(missing.status).toBe(404);
    expect(escapes).toEqual([404, 404, 404]);
    expect(master.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
    expect(await master.text()).toBe(await readFile(join(state, 's3', 'video-workflow-local-output', completed.jobId, 'hls', 'master.m3u8._S3rver_object'), 'utf8'));
    await page.close();
  });
});
