import type { JobListResponse } from '../api';
import { fmt, getJson, h, statusBadge, table } from './dom';

const REFRESH_MS = 2000;

/** `/`: every local job, newest first; refreshes while a job is still running. */
export async function renderListPage(app: HTMLElement): Promise<void> {
  document.title = 'Local jobs · video workflow';
  const { body } = await getJson<JobListResponse>('/api/jobs');
  const rows = body.jobs.map((j) =>
    h(
      'tr',
      { 'data-job-id': j.jobId },
      h('td', {}, h('a', { href: `/jobs/${encodeURIComponent(j.jobId)}` }, j.file)),
      h('td', {}, statusBadge(j.status)),
      h('td', { class: 'num' }, fmt.seconds(j.durationSeconds)),
      h('td', {}, j.profile ?? '—'),
      h('td', { class: 'num' }, fmt.ms(j.wallMs)),
      h('td', {}, fmt.time(j.startedAt)),
      h('td', { class: 'error-cell' }, j.error ? h('span', { title: j.error.cause }, j.error.name) : ''),
      h('td', {}, h('code', {}, j.jobId)),
    ),
  );
  app.replaceChildren(
    h('h1', {}, 'Local jobs'),
    h('p', { class: 'muted' }, `State folder ${body.stateDir}`),
    body.jobs.length === 0
      ? h('p', { id: 'no-jobs' }, 'No jobs yet. Run one with ', h('code', {}, 'npm run local -- path/to/video.mov'), '.')
      : table(['File', 'Status', 'Duration', 'Profile', 'Wall time', 'Started', 'Error', 'Job id'], rows, { id: 'jobs' }),
  );
  if (body.jobs.some((j) => j.status === 'QUEUED' || j.status === 'PROCESSING')) {
    setTimeout(() => void renderListPage(app), REFRESH_MS);
  }
}
