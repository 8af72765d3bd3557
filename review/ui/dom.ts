/// <reference lib="dom" />
/** Small DOM helpers for the review page: elements from data, never from HTML strings. */

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | undefined | ((event: Event) => void)>;

/** `h('td', { class: 'x' }, 'text', child)`: an element; `on*` attributes become listeners. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

export function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

function setAttrs(el: Element, attrs: Attrs): void {
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.slice(2).toLowerCase(), value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
}

function append(el: Element, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
}

export function table(headers: readonly string[], rows: readonly Node[], attrs: Attrs = {}): HTMLTableElement {
  return h('table', attrs, h('thead', {}, h('tr', {}, ...headers.map((t) => h('th', { scope: 'col' }, t)))), h('tbody', {}, ...rows));
}

export function section(title: string, id: string, ...children: Child[]): HTMLElement {
  return h('section', { id, 'aria-labelledby': `${id}-title` }, h('h2', { id: `${id}-title` }, title), ...children);
}

export const fmt = {
  bitrate: (bps: number | undefined) => (bps === undefined ? '—' : bps >= 1e6 ? `${(bps / 1e6).toFixed(2)} Mb/s` : `${Math.round(bps / 1e3)} kb/s`),
  bytes: (n: number | undefined) =>
    n === undefined ? '—' : n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`,
  ms: (ms: number | undefined) => (ms === undefined ? '—' : ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`),
  seconds: (s: number | undefined) => (s === undefined ? '—' : `${s.toFixed(2)} s`),
  time: (iso: string | undefined) => (iso ? new Date(iso).toLocaleString() : '—'),
};

export async function getJson<T>(url: string): Promise<{ status: number; body: T }> {
  const res = await fetch(url, { cache: 'no-store' });
  return { status: res.status, body: (await res.json()) as T };
}

export function statusBadge(status: string): HTMLElement {
  return h('span', { class: `status status-${status.toLowerCase()}`, 'data-status': status }, status);
}
