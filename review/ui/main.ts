/// <reference lib="dom" />
/**
 * The review page (served by review/server.ts): `/` lists the local jobs, `/jobs/<jobId>` shows
 * one. Plain TypeScript and DOM: two read-only pages do not need a framework.
 */
import './style.css';
import { renderJobPage } from './job-page';
import { renderListPage } from './list-page';

const app = document.getElementById('app')!;
const job = /^\/jobs\/([^/]+)\/?$/.exec(location.pathname);
(job ? renderJobPage(app, decodeURIComponent(job[1]!)) : renderListPage(app)).catch((err: unknown) => {
  app.replaceChildren();
  const p = document.createElement('p');
  p.className = 'problem';
  p.textContent = `The page could not load: ${(err as Error).message}`;
  app.append(p);
});
