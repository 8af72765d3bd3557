import type { JobView, RenditionView } from '../api';
import { fmt, getJson, h, section, statusBadge, table } from './dom';
import { hlsPlayer } from './player';
import { timeline } from './timeline';

const REFRESH_MS = 2000;
const QUALITY_METRICS = ['ssim', 'psnr', 'vmaf'] as const;

/** A rung of `record.quality.rungs` (the picture-quality gate), read defensively. */
type QualityRung = Record<string, unknown> & { width?: number; height?: number };

/** `/jobs/<jobId>`: player, MP4, thumbnails, ladder, QC, metadata, state timeline, error. */
export async function renderJobPage(app: HTMLElement, jobId: string): Promise<void> {
  const { status, body } = await getJson<JobView & { error?: string }>(`/api/jobs/${encodeURIComponent(jobId)}`);
  if (status !== 200) {
    document.title = 'No such job · video workflow';
    app.replaceChildren(h('p', {}, h('a', { href: '/' }, '← All jobs')), h('p', { class: 'problem', id: 'not-found' }, body.error ?? `HTTP ${status}`));
    return;
  }
  const { entry, media, renditions } = body;
  const record = entry.record;
  const file = entry.file.split(/[\\/]/).pop() ?? entry.file;
  document.title = `${file} · ${entry.status} · video workflow`;

  const parts: Array<Node | null> = [
    h('p', {}, h('a', { href: '/' }, '← All jobs')),
    h('h1', {}, file, ' ', statusBadge(entry.status)),
    h(
      'p',
      { class: 'muted' },
      'Job ',
      h('code', { id: 'job-id' }, entry.jobId),
      ` · started ${fmt.time(entry.startedAt)} · wall time ${fmt.ms(entry.wallMs)}`,
      profileOf(record) ? ` · profile ${profileOf(record)}` : '',
    ),
  ];
  if (entry.error) {
    parts.push(
      h(
        'div',
        { id: 'job-error', class: 'error-box', role: 'alert' },
        h('p', {}, h('strong', { id: 'error-name' }, entry.error.name), entry.failedState ? h('span', {}, ' in state ', h('code', { id: 'failed-state' }, entry.failedState)) : ''),
        h('pre', { id: 'error-cause' }, entry.error.cause),
      ),
    );
  }
  if (entry.status === 'QUEUED' || entry.status === 'PROCESSING') {
    parts.push(h('p', { id: 'running' }, `Running${record?.progress !== undefined ? ` (${record.progress}%)` : ''}; this page refreshes until the job ends.`));
  }
  if (media.hls && entry.status === 'COMPLETED') parts.push(section('Player (HLS)', 'player-section', hlsPlayer(media.hls, renditions)));
  if (media.mp4.length > 0) {
    parts.push(
      section(
        'MP4',
        'mp4',
        ...media.mp4.map((url) => h('figure', {}, h('video', { src: url, controls: true, preload: 'metadata', class: 'mp4' }), h('figcaption', {}, h('a', { href: url, download: true }, decodeURIComponent(url.split('/').pop() ?? url))))),
      ),
    );
  }
  if (media.thumbnails.length > 0) {
    parts.push(section('Thumbnails', 'thumbnails', h('div', { class: 'strip' }, ...media.thumbnails.map((url) => h('img', { src: url, alt: decodeURIComponent(url.split('/').pop() ?? url), loading: 'eager' })))));
  }
  if (renditions.length > 0 || body.renditionsError) parts.push(section('Ladder', 'ladder', ladderTable(renditions, qualityRungs(record)), body.renditionsError ? h('p', { class: 'problem' }, body.renditionsError) : null));
  parts.push(qcSection(entry.qcChecks, record?.qc));
  if (record?.metadata) parts.push(section('Source metadata', 'metadata', keyValues(record.metadata as unknown as Record<string, unknown>)));
  if (entry.path.length > 0) parts.push(section('State machine path', 'path', timeline(entry.path)));
  if (entry.localWarnings.length > 0) parts.push(section('Local warnings', 'warnings', h('ul', {}, ...entry.localWarnings.map((w) => h('li', {}, w)))));
  if (record?.warnings?.length) parts.push(section('Job warnings', 'job-warnings', h('ul', {}, ...record.warnings.map((w) => h('li', {}, w)))));

  app.replaceChildren(...parts.filter((p): p is Node => p !== null));
  if (entry.status === 'QUEUED' || entry.status === 'PROCESSING') setTimeout(() => void renderJobPage(app, jobId), REFRESH_MS);
}

function profileOf(record: JobView['entry']['record']): string | undefined {
  const profile = (record as { profile?: unknown } | undefined)?.profile;
  return typeof profile === 'string' ? profile : undefined;
}

function qualityRungs(record: JobView['entry']['record']): QualityRung[] {
  const rungs = (record as { quality?: { rungs?: unknown } } | undefined)?.quality?.rungs;
  return Array.isArray(rungs) ? (rungs.filter((r) => r && typeof r === 'object') as QualityRung[]) : [];
}

/** A metric as the record carries it: a number, or statistics ({ mean, p5, min, worstSecond }). */
function metricText(value: unknown): string {
  if (typeof value === 'number') return value.toFixed(value > 1 ? 2 : 4);
  if (value && typeof value === 'object') {
    const stats = value as Record<string, unknown>;
    return ['mean', 'p5', 'min', 'worstSecond']
      .filter((k) => typeof stats[k] === 'number')
      .map((k) => `${k} ${(stats[k] as number).toFixed((stats[k] as number) > 1 ? 2 : 4)}`)
      .join(' · ');
  }
  return '—';
}

function ladderTable(renditions: readonly RenditionView[], quality: readonly QualityRung[]): HTMLTableElement {
  const metrics = QUALITY_METRICS.filter((m) => quality.some((q) => q[m] !== undefined));
  const qualityOf = (r: RenditionView, index: number) =>
    quality.find((q) => q.height === r.height && (q.width === undefined || q.width === r.width)) ?? (quality.length === renditions.length ? quality[index] : undefined);
  const rows = renditions.map((r, index) => {
    const q = qualityOf(r, index);
    return h(
      'tr',
      { 'data-height': r.height ?? '' },
      h('td', {}, r.width && r.height ? `${r.width}×${r.height}` : '—'),
      h('td', { class: 'num' }, fmt.bitrate(r.plannedMaxBitrate)),
      h('td', { class: 'num' }, fmt.bitrate(r.bandwidth)),
      h('td', { class: 'num' }, fmt.bitrate(r.measuredBitrate)),
      h('td', { class: 'num' }, fmt.bytes(r.bytes)),
      h('td', { class: 'num' }, `${r.segmentCount} · ${fmt.ms(r.durationMs)}`),
      ...metrics.map((m) => h('td', { class: 'num', 'data-metric': m }, metricText(q?.[m]))),
      ...(quality.some((x) => typeof x.passed === 'boolean') ? [h('td', {}, typeof q?.passed === 'boolean' ? (q.passed ? 'pass' : 'FAIL') : '—')] : []),
    );
  });
  return table(
    [
      'Resolution',
      'Planned max bitrate',
      'Master BANDWIDTH',
      'Measured bitrate',
      'Size',
      'Segments · duration',
      ...metrics.map((m) => m.toUpperCase()),
      ...(quality.some((x) => typeof x.passed === 'boolean') ? ['Quality gate'] : []),
    ],
    rows,
    { id: 'ladder-table' },
  );
}

function qcSection(checks: JobView['entry']['qcChecks'], summary: NonNullable<JobView['entry']['record']>['qc'] | undefined): HTMLElement {
  if (!checks || checks.length === 0) {
    return section('Quality control', 'qc', h('p', { class: 'muted' }, summary ? `${summary.passed ? 'Passed' : 'Failed'} (${summary.checkCount} checks)` : 'Quality control did not run for this job.'));
  }
  const rows = checks.map((c) =>
    h('tr', { 'data-check': c.name, 'data-passed': String(c.passed) }, h('td', {}, c.name), h('td', { class: c.passed ? 'pass' : 'fail' }, c.passed ? 'pass' : 'FAIL'), h('td', {}, c.detail)),
  );
  const passed = checks.filter((c) => c.passed).length;
  return section('Quality control', 'qc', h('p', {}, `${passed} of ${checks.length} checks passed`), table(['Check', 'Result', 'Detail'], rows, { id: 'qc-table' }));
}

function keyValues(values: Record<string, unknown>): HTMLDListElement {
  return h(
    'dl',
    { class: 'kv' },
    ...Object.entries(values).flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, typeof v === 'object' ? JSON.stringify(v) : String(v))]),
  );
}
