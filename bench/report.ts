import type { Summary } from './stats';

/** A goal a figure is held to: `value` is the bound in the figure's unit. */
export interface Goal {
  readonly op: '<=' | '>=' | '==';
  readonly value: number;
}

/** One row of bench/results.json. */
export interface Figure {
  readonly group: string;
  readonly figure: string;
  readonly unit: string;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly runs: number;
  readonly samples: readonly number[];
  /** e.g. "<= 6"; null when the issue sets no goal for this figure. */
  readonly goal: string | null;
  /** Judged on the median; null without a goal. */
  readonly pass: boolean | null;
  /** CPU time (user + system) of the measured command, median in ms, when known. */
  readonly cpuMedianMs?: number;
  readonly note?: string;
}

export function meets(value: number, goal: Goal): boolean {
  switch (goal.op) {
    case '<=':
      return value <= goal.value;
    case '>=':
      return value >= goal.value;
    case '==':
      return value === goal.value;
  }
}

export function figure(
  group: string,
  name: string,
  unit: string,
  summary: Summary,
  options: { goal?: Goal; cpu?: Summary; note?: string } = {},
): Figure {
  const { goal, cpu, note } = options;
  return {
    group,
    figure: name,
    unit,
    median: summary.median,
    min: summary.min,
    max: summary.max,
    runs: summary.samples.length,
    samples: summary.samples,
    goal: goal ? `${goal.op} ${goal.value}` : null,
    pass: goal ? meets(summary.median, goal) : null,
    ...(cpu ? { cpuMedianMs: cpu.median } : {}),
    ...(note ? { note } : {}),
  };
}

/** A single value (a count, a derived price): median = min = max, one "run". */
export function single(group: string, name: string, unit: string, value: number, options: { goal?: Goal; note?: string } = {}): Figure {
  return figure(group, name, unit, { median: value, min: value, max: value, samples: [value] }, options);
}

/** Numbers for people: 3 significant digits, no exponent for the sizes we print. */
export function formatNumber(value: number): string {
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toLocaleString('en-US');
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toPrecision(3);
}

function verdict(f: Figure, staleSince: string | undefined): string {
  const stale = staleSince === undefined ? '' : ` (stale: ${staleSince.slice(0, 10)})`;
  if (f.pass === null) return stale.trim();
  return `${f.pass ? 'PASS' : 'FAIL'}${stale}`;
}

/** When a group's figures were measured (ISO time). */
export interface GroupRun {
  readonly measuredAt: string;
}

/** bench/results.json. */
export interface Results {
  /** When the last `npm run bench` wrote the file. */
  readonly generatedAt: string;
  readonly durationSeconds: number;
  readonly machine: Record<string, unknown>;
  readonly options: Record<string, unknown>;
  readonly prices: unknown;
  /** Every group in `figures`, with the run that measured it. */
  readonly groups: Readonly<Record<string, GroupRun>>;
  readonly figures: readonly Figure[];
  readonly details: Readonly<Record<string, unknown>>;
  readonly errors: readonly { readonly group: string; readonly message: string }[];
}

/**
 * `--only X` measures some groups: their figures replace the previous ones, the other groups'
 * figures are kept with the date they were measured, so results.json never loses a group and
 * never passes an old figure off as new (see `staleGroups`). Group order follows `order`.
 */
export function mergeResults(previous: Partial<Results> | undefined, current: Results, order: readonly string[]): Results {
  const measured = new Set(Object.keys(current.groups));
  const kept = (previous?.figures ?? []).filter((f) => !measured.has(f.group));
  const previousGroups: Record<string, GroupRun> = { ...(previous?.groups ?? {}) };
  // Files written before groups were recorded: every figure was measured at generatedAt.
  for (const f of kept) previousGroups[f.group] ??= { measuredAt: previous?.generatedAt ?? 'unknown' };
  const groups = { ...Object.fromEntries(Object.entries(previousGroups).filter(([g]) => !measured.has(g) && kept.some((f) => f.group === g))), ...current.groups };
  const rank = (g: string) => (order.includes(g) ? order.indexOf(g) : order.length);
  const figures = [...kept, ...current.figures].map((f, i) => ({ f, i })).sort((a, b) => rank(a.f.group) - rank(b.f.group) || a.i - b.i).map(({ f }) => f);
  const keptDetails = Object.fromEntries(Object.entries(previous?.details ?? {}).filter(([k]) => !(k in current.details)));
  return {
    ...current,
    groups: Object.fromEntries(Object.entries(groups).sort(([a], [b]) => rank(a) - rank(b))),
    figures,
    details: { ...keptDetails, ...current.details },
    errors: [...current.errors],
  };
}

/** Groups whose figures come from an earlier run than the file's last one: group -> measuredAt. */
export function staleGroups(results: Pick<Results, 'generatedAt' | 'groups'>): Map<string, string> {
  return new Map(Object.entries(results.groups).filter(([, run]) => run.measuredAt < results.generatedAt).map(([g, run]) => [g, run.measuredAt]));
}

/** A Markdown table (readable in a terminal too), grouped in the order the figures came. */
export function formatTable(figures: readonly Figure[], stale: ReadonlyMap<string, string> = new Map()): string {
  const header = ['Group', 'Figure', 'Median', 'Min', 'Max', 'Unit', 'Runs', 'CPU (ms)', 'Goal', 'Result'];
  const rows = figures.map((f) => [
    f.group,
    f.figure,
    formatNumber(f.median),
    f.runs > 1 ? formatNumber(f.min) : '',
    f.runs > 1 ? formatNumber(f.max) : '',
    f.unit,
    String(f.runs),
    f.cpuMedianMs === undefined ? '' : formatNumber(f.cpuMedianMs),
    f.goal ?? '',
    verdict(f, stale.get(f.group)),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
