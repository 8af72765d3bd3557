import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeJournalEntry } from '../../local/job-journal';
import { jobRecordFixture, journalEntryFixture } from '../local/fixtures';
import type { JobListResponse } from '../../review/api';
import { mediaOf, PortInUse, startReviewServer, type ReviewServer } from '../../review/server';

const record = (over: Record<string, unknown> = {}) => jobRecordFixture('job1', '2026-01-01T00:00:00Z', over);
const entry = journalEntryFixture;

describe('mediaOf', () => {
  it('builds paths from the output keys (path = key, CloudFront layout)', () => {
    // Act
    const media = mediaOf(entry('job1', 't', { record: record() }));

    // Assess
    expect(media).toEqual({ hls: '/job1/hls/master.m3u8', mp4: ['/job1/mp4/clip%20720p.mp4'], thumbnails: ['/job1/thumbnails/t.0000000.jpg'] });
  });

  it("prefers the record's playback URLs, on this server's origin", () => {
    // Act
    const media = mediaOf(entry('job1', 't', { record: record({ playback: { hls: 'http://127.0.0.1:8750/job1/hls/master.m3u8', mp4: ['http://127.0.0.1:8750/job1/mp4/a.mp4'], thumbnails: [] } }) }));

    // Assess
    expect(media).toEqual({ hls: '/job1/hls/master.m3u8', mp4: ['/job1/mp4/a.mp4'], thumbnails: [] });
  });
});

describe('review server', () => {
  let state: string;
  let server: ReviewServer;
  beforeAll(async () => {
    state = await mkdtemp(join(tmpdir(), 'review-server-'));
    await writeJournalEntry(state, entry('older', '2026-01-01T00:00:00.000Z', { wallMs: 1200, record: record({ profile: 'web-h264', metadata: { durationSeconds: 2.5 } }) }));
    await writeJournalEntry(state, entry('newer', '2026-01-02T00:00:00.000Z', { status: 'FAILED', error: { name: 'UnsupportedMedia', cause: 'not media' } }));
    server = await startReviewServer({ stateDir: state, port: 0 });
  });
  afterAll(async () => {
    await server.close();
    await rm(state, { recursive: true, force: true });
  });

  it('lists the journal newest first with the columns the page shows', async () => {
    // Act
    const body = (await (await fetch(`${server.url}/api/jobs`)).json()) as JobListResponse;

    // Assess
    expect(body.jobs).toEqual([
      { jobId: 'newer', file: 'newer.mov', status: 'FAILED', startedAt: '2026-01-02T00:00:00.000Z', error: { name: 'UnsupportedMedia', cause: 'not media' } },
      { jobId: 'older', file: 'older.mov', status: 'COMPLETED', startedAt: '2026-01-01T00:00:00.000Z', durationSeconds: 2.5, profile: 'web-h264', wallMs: 1200 },
    ]);
  });

  it('serves the page shell and its bundle from itself only', async () => {
    // Act
    const page = await fetch(`${server.url}/jobs/older`);
    const html = await page.text();
    const js = await fetch(`${server.url}/assets/review.js`);

    // Assess
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(html).toContain('<script src="/assets/review.js"></script>');
    expect(html).not.toMatch(/https?:\/\//);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await js.text()).length).toBeGreaterThan(100_000); // hls.js is in the bundle
  });

  it('answers 404 naming an unknown job, 405 to writes', async () => {
    // Act
    const missing = await fetch(`${server.url}/api/jobs/nope`);
    const post = await fetch(`${server.url}/api/jobs`, { method: 'POST' });

    // Assess
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: `No local job nope in ${state}` });
    expect(post.status).toBe(405);
  });

  it('says the port is taken and how to pick another', async () => {
    // Act
    const second = startReviewServer({ stateDir: state, port: server.port });

    // Assess
    await expect(second).rejects.toThrow(PortInUse);
    await expect(startReviewServer({ stateDir: state, port: server.port })).rejects.toThrow(`Port ${server.port} on 127.0.0.1 is in use (another npm run local:serve?); choose one with --port N`);
  });
});
