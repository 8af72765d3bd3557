import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { ffmpegAvailable } from '../../local/ffmpeg';

const ROOT = resolve(__dirname, '..', '..');

interface LoadJson {
  jobs: number;
  completed: number;
  failed: number;
  rejected: number;
  inDlq: number;
  lost: number;
  duplicateExecutions: number;
  regressedProgress: number;
  injected: Record<string, number>;
}

/** `npm run -s test:load -- ...` as the package script runs it; the last stdout line is the JSON report. */
function runLoad(args: string[]): Promise<{ code: number | null; report: LoadJson; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/load-test.ts', '--json', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    child.on('exit', () => running.delete(child));
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => {
      const last = stdout.trim().split('\n').pop() ?? '';
      try {
        resolvePromise({ code, report: JSON.parse(last) as LoadJson, stderr });
      } catch {
        reject(new Error(`no JSON report (exit ${code}); stderr: ${stderr.slice(-2000)}`));
      }
    });
  });
}

// A run cut off by the test timeout must not outlive the test.
const running = new Set<ReturnType<typeof spawn>>();
afterAll(() => running.forEach((child) => child.kill('SIGKILL')));

const describeWithFfmpeg = ffmpegAvailable() ? describe : describe.skip;
if (!ffmpegAvailable()) console.warn('load harness tests skipped: ffmpeg/ffprobe not found (apt-get install ffmpeg)');

describeWithFfmpeg('npm run test:load (the real ingest and workflow code under injected faults)', () => {
  it('accounts for every upload with every fault firing: nothing lost, nothing started twice, no progress regressed', async () => {
    // Rates raised so each fault fires at least once in a small run.
    const { code, report, stderr } = await runLoad([
      '--jobs', '40', '--concurrency', '4', '--faults', 'all', '--seed', '3',
      '--rate', 'crash=0.3', '--rate', 'duplicate=0.2', '--rate', 'lateProgress=0.3', '--rate', 'taskTimeout=0.05', '--rate', 'executionTimeout=0.05',
    ]);
    expect({ code, stderr: code === 0 ? '' : stderr.slice(-3000) }).toEqual({ code: 0, stderr: '' });
    expect(report).toMatchObject({ jobs: 40, lost: 0, duplicateExecutions: 0, regressedProgress: 0 });
    expect(report.completed + report.failed + report.rejected + report.inDlq).toBe(40);
    for (const fault of ['startExecutionThrottled', 'dynamoThrottled', 'crashes', 'duplicateEvents', 'reorderedProgress', 'lateProgress', 'taskTimeouts', 'executionTimeouts']) {
      expect({ fault, fired: (report.injected[fault] ?? 0) > 0 }).toEqual({ fault, fired: true });
    }
    // Timed-out tasks and executions end FAILED, never stuck PROCESSING.
    expect(report.failed).toBeGreaterThanOrEqual((report.injected.taskTimeouts ?? 0) + (report.injected.executionTimeouts ?? 0));
  }, 900_000);

  it('fails, naming the lost uploads, when the ingest path acknowledges a batch before starting it', async () => {
    const { code, report, stderr } = await runLoad(['--jobs', '30', '--concurrency', '3', '--faults', 'crash', '--rate', 'crash=0.5', '--sabotage', 'ack-before-start']);
    expect(code).toBe(1);
    expect(report.lost).toBeGreaterThan(0);
    expect(stderr).toMatch(/test:load: FAILED: lost \d+ uploads \(uploads\/load\//);
  }, 900_000);
});
