import type { StatePathStep } from '../../local/workflow';
import { fmt, svg } from './dom';

const ROW = 24;
const LABEL_WIDTH = 190;
const BAR_WIDTH = 520;
const DURATION_WIDTH = 260;

/**
 * The state-machine path as an SVG timeline: one row per state entered, a bar from when it was
 * entered to when it exited (scaled to the execution), its duration, retries, and how it ended.
 */
export function timeline(path: readonly StatePathStep[]): SVGSVGElement {
  const start = Math.min(...path.map((s) => s.enteredAt));
  const end = Math.max(...path.map((s) => s.exitedAt ?? s.enteredAt));
  const span = Math.max(end - start, 1);
  const width = LABEL_WIDTH + BAR_WIDTH + DURATION_WIDTH;
  const height = path.length * ROW + ROW;
  const x = (t: number) => LABEL_WIDTH + ((t - start) / span) * BAR_WIDTH;
  const rows = path.map((step, i) => {
    const y = i * ROW;
    const exited = step.exitedAt ?? step.enteredAt;
    const duration = exited - step.enteredAt;
    const note = [step.retries > 0 ? `${step.retries} retr${step.retries === 1 ? 'y' : 'ies'}` : '', step.error ?? ''].filter(Boolean).join(' · ');
    return svg(
      'g',
      { class: `step step-${step.outcome}`, 'data-state': step.name, 'data-duration-ms': duration },
      svg('title', {}, `${step.name} (${step.type}): ${fmt.ms(duration)}, ${step.outcome}${note ? `, ${note}` : ''}`),
      svg('text', { x: LABEL_WIDTH - 8, y: y + ROW * 0.68, 'text-anchor': 'end', class: 'label' }, step.name),
      svg('rect', { x: x(step.enteredAt), y: y + 5, width: Math.max(x(exited) - x(step.enteredAt), 2), height: ROW - 10, rx: 2, class: 'bar' }),
      svg('text', { x: LABEL_WIDTH + BAR_WIDTH + 6, y: y + ROW * 0.68, class: 'duration' }, fmt.ms(duration), note ? ` ${note}` : ''),
    );
  });
  const axisY = path.length * ROW + 4;
  return svg(
    'svg',
    { id: 'timeline', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': `State path: ${path.map((s) => s.name).join(', ')}` },
    ...rows,
    svg('line', { x1: LABEL_WIDTH, x2: LABEL_WIDTH + BAR_WIDTH, y1: axisY, y2: axisY, class: 'axis' }),
    svg('text', { x: LABEL_WIDTH, y: axisY + 14, class: 'axis-label' }, '0'),
    svg('text', { x: LABEL_WIDTH + BAR_WIDTH, y: axisY + 14, 'text-anchor': 'end', class: 'axis-label' }, fmt.ms(span)),
  );
}
