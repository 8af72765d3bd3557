import { basename } from 'node:path';
import type { RunEvent, VideoResult } from './runtime';

export interface Writable {
  write(text: string): unknown;
}

interface Row {
  readonly label: string;
  stage: string;
  percent?: number;
  phase?: string;
  status?: string;
  readonly startedAt: number;
  /** Last percent milestone printed in plain mode. */
  milestone: number;
}

export interface ProgressDisplay {
  handle(event: RunEvent): void;
  stop(): void;
}

/** Distinct labels for the files (basename, with the index when two share a name). */
export function fileLabels(files: readonly string[]): Map<string, string> {
  const counts = new Map<string, number>();
  for (const f of files) counts.set(basename(f), (counts.get(basename(f)) ?? 0) + 1);
  return new Map(files.map((f, i) => [f, counts.get(basename(f))! > 1 ? `${basename(f)} #${i + 1}` : basename(f)]));
}

function describe(row: Row): string {
  if (row.status) return row.status;
  if (row.stage === 'Transcode' && row.phase) {
    return row.phase === 'TRANSCODING' ? `Transcode ${String(row.percent ?? 0).padStart(3)}%` : `Transcode (${row.phase.toLowerCase()})`;
  }
  return row.stage;
}

function bar(percent: number | undefined, width = 20): string {
  const p = Math.max(0, Math.min(100, percent ?? 0));
  const filled = Math.round((p / 100) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

/**
 * On a TTY: one line per video, redrawn in place (stage, ffmpeg percent, elapsed time).
 * Otherwise: one plain line per stage change, and at 25/50/75/100 % of the transcode.
 */
export function createProgressDisplay(files: readonly string[], out: Writable, tty: boolean, now: () => number = Date.now): ProgressDisplay {
  const labels = fileLabels(files);
  const rows = new Map<string, Row>(files.map((f) => [f, { label: labels.get(f)!, stage: 'waiting', startedAt: now(), milestone: 0 }]));
  const width = Math.max(...[...labels.values()].map((l) => l.length), 4);
  let drawn = 0;
  let timer: NodeJS.Timeout | undefined;

  const render = () => {
    const lines = [...rows.values()].map((row) => {
      const seconds = ((now() - row.startedAt) / 1000).toFixed(1).padStart(6);
      const p = row.stage === 'Transcode' && row.phase === 'TRANSCODING' ? bar(row.percent) : ' '.repeat(22);
      return `${row.label.padEnd(width)}  ${p}  ${describe(row).padEnd(26)} ${seconds}s`;
    });
    // Move up over the previous block, then clear and rewrite each line.
    let text = drawn > 0 ? `\x1b[${drawn}A` : '';
    for (const line of lines) text += `\x1b[2K${line}\n`;
    out.write(text);
    drawn = lines.length;
  };

  const plain = (row: Row, text: string) => out.write(`${row.label}: ${text}\n`);

  if (tty) {
    render();
    timer = setInterval(render, 200);
    timer.unref();
  }

  return {
    handle(event) {
      const row = rows.get(event.file);
      if (!row) return;
      switch (event.type) {
        case 'uploaded':
          row.stage = 'uploaded';
          if (!tty) plain(row, `uploaded as ${event.key}`);
          break;
        case 'started':
          if (!tty) plain(row, `job ${event.jobId}`);
          break;
        case 'stage':
          row.stage = event.stage;
          row.phase = undefined;
          row.percent = undefined;
          if (!tty) plain(row, event.stage);
          break;
        case 'transcode':
          row.phase = event.phase;
          row.percent = event.percent;
          if (!tty && event.phase === 'TRANSCODING') {
            const milestone = Math.floor(event.percent / 25) * 25;
            if (milestone > row.milestone) {
              row.milestone = milestone;
              plain(row, `Transcode ${milestone}%`);
            }
          }
          break;
        case 'finished':
          row.status = statusText(event.result);
          if (!tty) plain(row, row.status);
          break;
      }
      if (tty && event.type !== 'transcode') render();
    },
    stop() {
      if (timer) clearInterval(timer);
      if (tty) render();
    },
  };
}

function statusText(result: VideoResult): string {
  return result.error ? `${result.status} (${result.error.name})` : result.status;
}

function formatSeconds(ms: number | undefined): string {
  return ms === undefined ? '-' : `${(ms / 1000).toFixed(1)}s`;
}

/** The end-of-run table: file, status, media duration, outputs, wall time (+ error name). */
export function summaryTable(results: readonly VideoResult[], files: readonly string[]): string {
  const labels = fileLabels(files);
  const header = ['file', 'status', 'duration', 'outputs', 'wall time', 'error'];
  const rows = results.map((r) => [
    labels.get(r.file) ?? basename(r.file),
    r.status,
    r.durationSeconds === undefined ? '-' : `${r.durationSeconds.toFixed(1)}s`,
    String(r.outputCount),
    formatSeconds(r.wallMs),
    r.error?.name ?? '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
