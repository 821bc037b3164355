import assert from 'node:assert/strict';
import { record } from './fixtures';
import { phaseStatus } from './runEntry';

describe('runEntry: the status a record gives', () => {
  it('a pending run that Kueue holds (its launcher wrote the queued line) is queued; without it, pending', () => {
    assert.equal(
      phaseStatus(record('forest-train-a', { phase: 'pending', queued: 'queued: 3rd in team-a, needs 8 nvidia.com/gpu' })),
      'queued',
    );
    assert.equal(phaseStatus(record('forest-train-b', { phase: 'pending' })), 'pending');
    assert.equal(phaseStatus(record('forest-train-c', { phase: 'launching' })), 'pending');
    assert.equal(phaseStatus(record('forest-train-d', { phase: 'running', queued: undefined })), 'running');
  });
});
