import Hls from 'hls.js';
import type { RenditionView } from '../api';
import { fmt, h } from './dom';

/**
 * The HLS player: hls.js over Media Source Extensions where the browser has them, else the
 * browser's native HLS (Safari). A picker pins one rendition (or Auto); the rendition playing is
 * shown under the video and recorded on the figure's data attributes:
 * `data-level-loaded` (the level of the last fragment loaded), `data-levels-loaded` (all levels
 * a fragment was loaded for) and `data-level-switched` (the level hls.js last switched to).
 */
export function hlsPlayer(masterUrl: string, renditions: readonly RenditionView[]): HTMLElement {
  const video = h('video', { id: 'player', controls: true, muted: true, playsinline: true, preload: 'auto' });
  video.muted = true;
  const picker = h('select', { id: 'rendition', 'aria-label': 'Rendition' }, h('option', { value: '-1' }, 'Auto'));
  const now = h('span', { id: 'current-rendition' }, 'not started');
  const engine = h('span', { id: 'player-engine', class: 'muted' });
  const figure = h(
    'figure',
    { id: 'hls-player', class: 'player' },
    video,
    h('figcaption', {}, h('label', {}, 'Rendition ', picker), ' Playing: ', now, ' ', engine),
  );
  const label = (height: number | undefined, bitrate: number | undefined) => `${height ? `${height}p` : '?'} · ${fmt.bitrate(bitrate)}`;

  if (Hls.isSupported()) {
    engine.textContent = `(hls.js ${Hls.version})`;
    const hls = new Hls();
    const loaded = new Set<number>();
    hls.on(Hls.Events.MANIFEST_PARSED, (_event, data) => {
      data.levels.forEach((level, index) => picker.append(h('option', { value: index }, label(level.height, level.bitrate))));
    });
    hls.on(Hls.Events.FRAG_LOADED, (_event, data) => {
      if (typeof data.frag.level !== 'number' || data.frag.type !== 'main') return;
      loaded.add(data.frag.level);
      figure.dataset.levelLoaded = String(data.frag.level);
      figure.dataset.levelsLoaded = [...loaded].sort((a, b) => a - b).join(',');
    });
    hls.on(Hls.Events.LEVEL_SWITCHED, (_event, data) => {
      const level = hls.levels[data.level];
      figure.dataset.levelSwitched = String(data.level);
      now.textContent = `${label(level?.height, level?.bitrate)} (level ${data.level})`;
    });
    hls.on(Hls.Events.ERROR, (_event, data) => {
      if (data.fatal) {
        figure.dataset.error = `${data.type}: ${data.details}`;
        now.textContent = `error: ${data.details}`;
      }
    });
    picker.addEventListener('change', () => {
      // currentLevel switches now (flushing the buffer); -1 gives the choice back to ABR.
      hls.currentLevel = Number(picker.value);
    });
    hls.loadSource(masterUrl);
    hls.attachMedia(video);
  } else if (video.canPlayType('application/vnd.apple.mpegurl')) {
    engine.textContent = '(native HLS: the browser picks the rendition)';
    renditions.forEach((r, index) => picker.append(h('option', { value: index }, label(r.height, r.bandwidth))));
    picker.disabled = true;
    video.src = masterUrl;
    video.addEventListener('loadedmetadata', () => (now.textContent = `${video.videoWidth}x${video.videoHeight}`));
  } else {
    now.textContent = 'this browser plays neither HLS nor Media Source Extensions';
  }
  return figure;
}
