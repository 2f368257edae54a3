// The workstation service's own session rules, without a transport.
import { describe, expect, it } from 'vitest';
import { WorkstationService } from '../../../src-main/engine/workstation-service.js';

describe('WorkstationService', () => {
  it('opens exactly one session when two clients press Start at the same moment', async () => {
    const s = new WorkstationService({ planRecording: async () => ({ path: '/dev/null', finish: async () => {} }) });
    const params = { source: 'synthetic', modalities: ['EDA'], seed: 1, record: false, subject: '', notes: '' } as const;
    const results = await Promise.allSettled([s.call('session.start', { ...params, modalities: ['EDA'] }), s.call('session.start', { ...params, modalities: ['EDA'] })]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toMatchObject({ code: 'SESSION_RUNNING' });
    expect(s.status().sources.length).toBeGreaterThan(0);
    await s.shutdown();
    expect(s.status().state).toBe('idle');
  });
});
