import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Emitter } from '../common/lifecycle';
import { Logger, nullSink } from '../common/logging';
import type { RunPhase, RunRecord } from '../model/runRecords';
import { loadSpec } from '../model/runSpec';
import type { SweepRecord } from '../model/sweepRecords';
import type { LaunchRequest } from './launcher';
import { type SweepDeps, SweepExecution, type TrialAdmission, type TrialRun } from './sweep';

/** A trial's run that the test ends by hand. */
class FakeRun implements TrialRun {
  private readonly emitter = new Emitter<RunRecord>();
  readonly onDidChange = this.emitter.event;
  readonly record: RunRecord;
  private end!: (r: RunRecord) => void;
  private readonly ended = new Promise<RunRecord>((r) => (this.end = r));
  started = false;
  constructor(
    readonly req: LaunchRequest,
    readonly id: string,
  ) {
    this.record = {
      id,
      phase: 'launching',
      metrics: {},
      params: { ...req.params },
      ...(req.sweep ? { sweep: req.sweep } : {}),
    } as unknown as RunRecord;
  }
  start(): Promise<RunRecord> {
    this.started = true;
    this.record.phase = 'running';
    this.emitter.fire(this.record);
    return this.ended;
  }
  finish(phase: RunPhase, metrics: Record<string, number> = {}): void {
    this.record.phase = phase;
    this.record.metrics = metrics;
    this.emitter.fire(this.record);
    this.end(this.record);
  }
  cancel(): Promise<void> {
    this.finish('cancelled');
    return Promise.resolve();
  }
  dispose(): void {
    this.emitter.dispose();
  }
}

const SPEC = `name: demo
image: python:3.12
command: [python3, train.py, "{{depth}}"]
parameters: { depth: 1, lr: 0.1 }
sweep:
  metric: loss
  direction: minimize
  parallel: 2
  parameters: { depth: [1, 2, 3, 4, 5] }
`;

const tick = async (n = 5) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

describe('runs: a sweep launches its trials (stand-in runs)', () => {
  let dir: string;
  let runs: FakeRun[];
  let live: number;
  let maxLive: number;
  const deps = (over: Partial<SweepDeps> = {}): SweepDeps =>
    ({
      kc: {},
      client: {},
      store: {},
      log: new Logger(nullSink),
      admission: { admit: () => Promise.resolve() },
      startRun: (req: LaunchRequest) => {
        const run = new FakeRun(req, `demo-train-${runs.length}`);
        runs.push(run);
        live++;
        maxLive = Math.max(maxLive, live);
        run.onDidChange((r) => {
          if (r.phase === 'succeeded' || r.phase === 'failed' || r.phase === 'cancelled') live--;
        });
        return run;
      },
      ...over,
    }) as unknown as SweepDeps;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kubeml-sweep-'));
    runs = [];
    live = 0;
    maxLive = 0;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('runs at most `parallel` trials at once, records each with its sweep, and marks the best', async () => {
    const spec = loadSpec(SPEC);
    const sweep = new SweepExecution(deps(), { workspace: dir, spec, namespace: 'ml', params: { lr: '0.5' } });
    const done = sweep.start();
    await tick();
    assert.equal(runs.length, 2, 'two at once');
    const losses = [0.5, 0.3, 0.4, 0.2, 0.6];
    for (let i = 0; i < 5; i++) {
      await tick();
      runs[i]!.finish(i === 2 ? 'failed' : 'succeeded', { loss: losses[i]! });
      await tick();
    }
    const r = await done;
    assert.equal(maxLive, 2);
    assert.equal(runs.length, 5);
    assert.deepEqual(
      runs.map((x) => [x.req.params.depth, x.req.params.lr, x.req.sweep?.trial]),
      [
        [1, 0.5, 0],
        [2, 0.5, 1],
        [3, 0.5, 2],
        [4, 0.5, 3],
        [5, 0.5, 4],
      ],
    );
    assert.deepEqual(runs[0]!.req.sweep, { id: sweep.id, trial: 0, metric: 'loss', direction: 'minimize' });
    assert.equal(r.state, 'succeeded');
    assert.deepEqual(
      r.trials.map((t) => t.phase),
      ['succeeded', 'succeeded', 'failed', 'succeeded', 'succeeded'],
    );
    assert.deepEqual(r.best, { trial: 3, runId: 'demo-train-3', value: 0.2 }, 'the lowest loss of the succeeded trials');
    const saved = JSON.parse(readFileSync(join(dir, '.kubeml', 'sweeps', `${sweep.id}.json`), 'utf8')) as SweepRecord;
    assert.deepEqual(saved, JSON.parse(JSON.stringify(r)), 'the file holds the final record');
  });

  it('Cancel stops the queued trials and cancels the running one', async () => {
    const spec = loadSpec(SPEC.replace('parallel: 2', 'parallel: 1'));
    const sweep = new SweepExecution(deps(), { workspace: dir, spec, namespace: 'ml' });
    const done = sweep.start();
    await tick();
    assert.equal(runs.length, 1);
    await sweep.cancel();
    const r = await done;
    assert.equal(runs.length, 1, 'no queued trial started');
    assert.equal(r.state, 'cancelled');
    assert.deepEqual(
      r.trials.map((t) => t.phase),
      ['cancelled', 'cancelled', 'cancelled', 'cancelled', 'cancelled'],
    );
    assert.equal(r.trials[1]!.runId, undefined);
  });

  it('a trial whose GPUs are not free waits (its record says why) until the admission lets it start', async () => {
    let release!: () => void;
    let calls = 0;
    const admission: TrialAdmission = {
      admit: (_demand, _signal, onWait) => {
        if (++calls === 1) return Promise.resolve();
        onWait('waiting for 1 free GPU(s): 0 of 1 free on the nodes it may use');
        return new Promise<void>((r) => (release = r));
      },
    };
    const spec = loadSpec(SPEC);
    const sweep = new SweepExecution(deps({ admission }), { workspace: dir, spec, namespace: 'ml' });
    const done = sweep.start();
    await tick();
    assert.equal(runs.length, 1, 'the second trial waits for its GPUs although parallel is 2');
    assert.equal(sweep.record.trials[1]!.phase, 'waiting');
    assert.match(sweep.record.trials[1]!.detail ?? '', /0 of 1 free/);
    release();
    await tick();
    assert.equal(runs.length, 2);
    assert.equal(sweep.record.trials[1]!.detail, undefined);
    await sweep.cancel();
    assert.equal((await done).state, 'cancelled');
  });

  it('a sweep where no trial succeeded has failed, with no best trial', async () => {
    const spec = loadSpec(SPEC.replace('[1, 2, 3, 4, 5]', '[1]'));
    const sweep = new SweepExecution(deps(), { workspace: dir, spec, namespace: 'ml' });
    const done = sweep.start();
    await tick();
    runs[0]!.finish('failed', { loss: 0.1 });
    const r = await done;
    assert.equal(r.state, 'failed');
    assert.equal(r.best, undefined);
  });
});
