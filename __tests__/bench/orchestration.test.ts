import { measureOrchestration } from '../../bench/orchestration';

describe('measureOrchestration (the figures npm run bench prices)', () => {
  it('counts one successful execution and times every real handler the video passes through', async () => {
    // Act
    const m = await measureOrchestration(2);

    // Assess: cost drivers of the ASL (phase-1 stand-ins) and the real-handler run agree
    expect(m).toMatchObject({ transitions: 10, lambdaInvocations: 6, dynamoWrites: 2 });
    expect(m.realRun).toEqual({
      transitions: 10,
      lambdaInvocations: 6,
      states: ['RecordStart', 'ExtractMetadata', 'PlanTranscode', 'PinSource', 'Transcode', 'QualityControl', 'Quality passed?', 'Publish', 'ArchiveSource', 'Done'],
    });
    // Assess: the real probe read the committed fixture
    expect(m.metadata).toMatchObject({ container: 'MPEG-4', width: 320, height: 180, videoCodec: 'AVC', audioTrackCount: 1 });
    // Assess: one timing per run for start-workflow and each Lambda state
    expect(Object.keys(m.handlerMs).sort()).toEqual(['archive-source', 'extract-metadata', 'pin-source', 'plan-transcode', 'publish', 'quality-control', 'start-workflow']);
    for (const s of Object.values(m.handlerMs)) {
      expect(s.samples).toHaveLength(2);
      expect(s.min).toBeGreaterThan(0);
    }
    // Assess: start-workflow's conditional put and ARN update, publish's COMPLETED update
    expect(m.handlerDynamoWrites).toBe(3);
    expect(m.handlerDynamoReads).toBe(0);
    expect(m.largestItemBytes).toBeGreaterThan(500);
  });
});
