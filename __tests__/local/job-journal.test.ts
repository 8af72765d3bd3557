import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { failedStateOf, fromExecutionState, newestFirst, readJournal, readJournalEntry, writeJournalEntry } from '../../local/job-journal';
import type { StatePathStep } from '../../local/workflow';

const step = (name: string, outcome: StatePathStep['outcome'], error?: string): StatePathStep => ({
  name,
  type: 'Task',
  enteredAt: 0,
  exitedAt: 1,
  outcome,
  retries: 0,
  ...(error ? { error } : {}),
});

describe('job journal', () => {
  it('names the state a job failed in: the first failed state, else the one that routed to RecordFailure', () => {
    // Assess
    expect(failedStateOf([step('RecordStart', 'succeeded'), step('ExtractMetadata', 'failed', 'UnsupportedMedia'), step('RecordFailure', 'succeeded')])).toBe('ExtractMetadata');
    expect(failedStateOf([step('QualityControl', 'succeeded'), step('Quality passed?', 'succeeded'), step('QualityCheckFailed', 'succeeded'), step('RecordFailure', 'succeeded')])).toBe('QualityCheckFailed');
    expect(failedStateOf([step('Done', 'succeeded')])).toBeUndefined();
  });

  it('keeps the QC checks and the planned ladder of the execution state, nothing else', () => {
    // Act
    const kept = fromExecutionState({
      qc: { passed: true, checks: [{ name: 'hls-master', passed: true, detail: 'lists 2' }], failures: [] },
      plan: { settings: { big: 'x' }, ladder: [{ width: 640, height: 360, maxBitrate: 1_000_000, qvbrQualityLevel: 6, shortSide: 360 }] },
      transcode: { Job: {} },
    });

    // Assess
    expect(kept).toEqual({ qcChecks: [{ name: 'hls-master', passed: true, detail: 'lists 2' }], ladder: [{ width: 640, height: 360, maxBitrate: 1_000_000 }] });
    expect(fromExecutionState(undefined)).toEqual({});
  });

  it('writes atomically, reads newest first, and refuses job ids that are not file names', async () => {
    // Prepare
    const state = await mkdtemp(join(tmpdir(), 'journal-'));
    const base = { file: '/v.mov', status: 'COMPLETED' as const, path: [], localWarnings: [] };

    // Act
    await writeJournalEntry(state, { ...base, jobId: 'a', startedAt: '2026-01-01T00:00:00Z' });
    await writeJournalEntry(state, { ...base, jobId: 'b', startedAt: '2026-01-03T00:00:00Z' });
    await writeJournalEntry(state, { ...base, jobId: 'a', startedAt: '2026-01-02T00:00:00Z' });

    // Assess
    expect((await readJournal(state)).map((e) => [e.jobId, e.startedAt])).toEqual([
      ['b', '2026-01-03T00:00:00Z'],
      ['a', '2026-01-02T00:00:00Z'],
    ]);
    expect(await readdir(join(state, 'jobs'))).toEqual(['a.json', 'b.json']);
    expect(await readJournalEntry(state, '../jobs/a')).toBeUndefined();
    await rm(state, { recursive: true, force: true });
  });

  it('lists jobs started in the same millisecond in one order, whatever order they are given in', () => {
    // Prepare
    const at = '2026-01-01T00:00:00.000Z';
    const jobs = [{ jobId: 'f', startedAt: at }, { jobId: 'c', startedAt: at }, { jobId: 'z', startedAt: '2026-01-01T00:00:00.001Z' }];

    // Act
    const orders = [jobs, [...jobs].reverse(), [jobs[1], jobs[2], jobs[0]]].map((list) => [...list].sort(newestFirst).map((j) => j.jobId));

    // Assess
    expect(orders).toEqual([['z', 'c', 'f'], ['z', 'c', 'f'], ['z', 'c', 'f']]);
  });
});
