// Run records for the experiments tests (a finished training run of the sample unless overridden).
import type { RunRecord } from '../model/runRecords';

export function record(id: string, over: Partial<RunRecord> & { sweep?: unknown } = {}): RunRecord {
  return {
    version: 1,
    id,
    purpose: 'train',
    name: 'forest',
    namespace: 'ml',
    server: 'https://10.0.0.1:6443',
    kind: 'Job',
    primary: { group: 'batch', version: 'v1', plural: 'jobs', kind: 'Job', name: id, namespace: 'ml' },
    podSelector: `kubeml.io/run=${id}`,
    container: 'train',
    image: 'img',
    command: ['python3', 'train.py'],
    params: { samples: 1000, n_estimators: 20, seed: 42 },
    createdAt: '2026-01-01T10:00:00.000Z',
    phase: 'succeeded',
    startedAt: '2026-01-01T10:00:10.000Z',
    finishedAt: '2026-01-01T10:01:10.000Z',
    metrics: { accuracy: 0.9, loss: 0.2 },
    ...over,
  } as RunRecord;
}
