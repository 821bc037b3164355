import { strict as assert } from 'node:assert';
import {
  gpuHoursText,
  hostMessageProblem,
  isHostMessage,
  isPageMessage,
  JOB_WINDOWS_MS,
  stepFor,
  windowLabel,
  type HostMessage,
  type PanelJob,
} from './panelContract';
import type { Finding, GpuSeries } from './types';

const f64 = (...xs: number[]) => Float64Array.from(xs);

const finding: Finding = {
  kind: 'hung',
  severity: 'error',
  title: 'worker-1 stopped at step 120 while the others reached 180 (3 min ago)',
  advice: 'Look at worker-1 logs.',
  rank: 'worker-1',
  pod: 'ddp-worker-1',
  evidence: [{ rank: 'worker-1', pod: 'ddp-worker-1', line: 'step 120', time: 1_700_000_000_000 }],
};
const job: PanelJob = {
  kind: 'PyTorchJob',
  namespace: 'team-a',
  name: 'ddp',
  ranks: [
    { rank: 'master-0', pod: 'ddp-master-0', node: 'n1', phase: 'Running', restarts: 0, gpus: 2 },
    { rank: 'worker-0', pod: 'ddp-worker-0', phase: 'Pending', restarts: 1, gpus: 2 },
  ],
  findings: [finding],
  gpuHours: { held: 12, used: 4.1 },
  windowMs: 3_600_000,
  stepMs: 15_000,
};
const series: GpuSeries = {
  rank: 'master-0',
  pod: 'ddp-master-0',
  gpu: '0',
  times: f64(0, 15_000),
  util: f64(50, NaN),
  memUsedMiB: f64(1000, 1100),
  memTotalMiB: 81920,
};

describe('Job panel contract: messages from the host', () => {
  it('accepts a job, GPU series, new points and errors as the host sends them', () => {
    const good: HostMessage[] = [
      { type: 'job', job },
      { type: 'job', job: { ...job, findings: [], gpuHours: undefined } },
      { type: 'gpu', series: [series], windowMs: 3_600_000, stepMs: 15_000 },
      { type: 'gpu', series: [], windowMs: 900_000, stepMs: 15_000 },
      { type: 'append', points: [{ pod: 'ddp-master-0', gpu: '0', times: f64(30_000), util: f64(60), memUsedMiB: f64(1200) }] },
      { type: 'error', scope: 'gpu', message: 'kubeml.prometheus.url is not set', todo: 'Set it.' },
      { type: 'error', scope: 'job', message: 'The job is gone.' },
    ];
    for (const m of good) assert.equal(hostMessageProblem(m), undefined, JSON.stringify(m));
  });

  it('says what is wrong with a message off the contract', () => {
    const bad: Array<[unknown, RegExp]> = [
      [null, /not an object/],
      [{ type: 'jobs' }, /type "jobs" is unknown/],
      [{ type: 'job', job: { ...job, ranks: 'x' } }, /no list of ranks/],
      [{ type: 'job', job: { ...job, ranks: [{ ...job.ranks[0], restarts: -1 }] } }, /rank 1 has restarts or GPUs that are not counts/],
      [{ type: 'job', job: { ...job, findings: [{ ...finding, kind: 'bored' }] } }, /finding 1 has kind "bored"/],
      [{ type: 'job', job: { ...job, findings: [{ ...finding, severity: 'fatal' }] } }, /severity "fatal"/],
      [{ type: 'job', job: { ...job, findings: [{ ...finding, evidence: [{ time: 'noon' }] }] } }, /evidence/],
      [{ type: 'job', job: { ...job, gpuHours: { held: '12' } } }, /GPU-hours/],
      [{ type: 'job', job: { ...job, stepMs: 0 } }, /window or step/],
      [{ type: 'gpu', series: [{ ...series, util: [50, 60] }], windowMs: 1, stepMs: 1 }, /as Float64Array/],
      [{ type: 'gpu', series: [{ ...series, util: f64(1) }], windowMs: 1, stepMs: 1 }, /2 times but 1 util/],
      [{ type: 'gpu', series: [{ ...series, pod: 7 }], windowMs: 1, stepMs: 1 }, /no pod or gpu/],
      [{ type: 'append', points: [{ pod: 'p', gpu: '0', times: f64(1), util: f64(), memUsedMiB: f64(1) }] }, /1 times but 0 util/],
      [{ type: 'error', message: 'x' }, /no scope/],
      [{ type: 'error', scope: 'gpu', message: 42 }, /not a text/],
    ];
    for (const [m, why] of bad) {
      const p = hostMessageProblem(m);
      assert.match(
        p ?? '(accepted)',
        why,
        JSON.stringify(m, (_k, v: unknown) => (v instanceof Float64Array ? [...v] : v)),
      );
      assert.equal(isHostMessage(m), false);
    }
  });
});

describe('Job panel contract: messages from the page', () => {
  it('accepts what the page sends', () => {
    for (const m of [
      { type: 'ready' },
      { type: 'exportCsv' },
      ...JOB_WINDOWS_MS.map((windowMs) => ({ type: 'window', windowMs })),
      { type: 'revealPod', pod: 'ddp-worker-0' },
      { type: 'showLogs', rank: 'worker-0' },
      { type: 'rendered', ranks: 2, findings: 1, series: 4, points: 5764, drawnPoints: 600, drawnAt: 12.5, drawMs: 40.1 },
      { type: 'rendered', ranks: 0, findings: 0, series: 0, points: 0, drawnPoints: 0, note: 'This job holds no GPUs' },
    ])
      assert.ok(isPageMessage(m), JSON.stringify(m));
  });

  it('refuses anything else: unknown types, extra keys, windows it does not offer, empty names', () => {
    for (const m of [
      undefined,
      'ready',
      { type: 'ready', extra: 1 },
      { type: 'window', windowMs: 120_000 },
      { type: 'window', windowMs: '3600000' },
      { type: 'revealPod', pod: '' },
      { type: 'revealPod', pod: 'x'.repeat(254) },
      { type: 'showLogs' },
      { type: 'exportCsv', path: '/etc/passwd' },
      { type: 'rendered', ranks: -1, findings: 0, series: 0, points: 0, drawnPoints: 0 },
      { type: 'rendered', ranks: 1.5, findings: 0, series: 0, points: 0, drawnPoints: 0 },
      { type: 'runCommand', command: 'rm' },
    ])
      assert.equal(isPageMessage(m), false, JSON.stringify(m));
  });
});

describe('Job panel contract: texts', () => {
  it('writes the GPU-hours line as the issue shows it', () => {
    assert.equal(gpuHoursText({ held: 12, used: 4.1 }), 'held 12.0 GPU-h, used 4.1 (34%)');
    assert.equal(gpuHoursText({ held: 0, used: 0 }), 'held 0.0 GPU-h, used 0.0');
    assert.equal(gpuHoursText({ held: 1536, used: 768 }), 'held 1536 GPU-h, used 768 (50%)');
    assert.equal(
      gpuHoursText({ held: 0.0333, used: 0.0113 }),
      'held 0.033 GPU-h, used 0.011 (34%)',
      'a short job in two significant digits',
    );
  });

  it('names the windows and picks a step of 15 s, coarser past 1,440 points', () => {
    assert.deepEqual(JOB_WINDOWS_MS.map(windowLabel), ['15 min', '1 h', '6 h']);
    assert.deepEqual(
      JOB_WINDOWS_MS.map((w) => stepFor(w)),
      [15_000, 15_000, 15_000],
    );
    assert.equal(stepFor(24 * 3_600_000), 60_000);
  });
});
