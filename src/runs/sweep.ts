/**
 * Launches a sweep: the planner's trials (model/sweep.ts) as training runs through the launcher,
 * at most `parallel` at once and never more GPUs at once than are free (a trial whose GPUs are not
 * free waits for them rather than failing). Each trial's run record carries `sweep`; the sweep's
 * own record (.kubeml/sweeps/<id>.json) is updated as trials change, with the best trial by the
 * sweep's metric and direction. Cancel stops the queued trials and cancels the running ones.
 * Admission is a seam (TrialAdmission): a Kueue queue can take the GPU check's place later.
 * Plain Node: the editor command (vscodeSweep.ts) and the CLI drive it alike.
 */
import { messageOf } from '../common/errors';
import { Disposable, Emitter } from '../common/lifecycle';
import { isTerminal, type RunRecord } from '../model/runRecords';
import { type KubeMLSpec, type ParamValue, resolveParams } from '../model/runSpec';
import { planSweep } from '../model/sweep';
import { bestTrial, finalState, type SweepRecord, SweepStore, type SweepTrialRecord } from '../model/sweepRecords';
import { fits, GPU, gpuCapacity, type NodeJson, placedRunPods, readCapacity } from './capacity';
import { newRunId } from './generate';
import type { Event } from '../common/lifecycle';
import { type LaunchDeps, type LaunchRequest, RunExecution } from './launcher';

export interface SweepRequest {
  readonly workspace: string;
  readonly spec: KubeMLSpec;
  readonly namespace: string;
  readonly context?: string;
  /** Values for the parameters the sweep does not vary (else their defaults). */
  readonly params?: Readonly<Record<string, unknown>>;
}

/** What a trial needs, and what the sweep's own started trials still hold before their pods are placed. */
export interface TrialDemand {
  readonly pods: number;
  readonly gpusPerPod: number;
  /** Run ids of the sweep's trials that are running (their placed pods are in the cluster's count). */
  readonly running: readonly string[];
}

/** Decides when a trial may start. Resolves when it may; `onWait` says why it waits; rejects only on abort. */
export interface TrialAdmission {
  admit(demand: TrialDemand, signal: AbortSignal, onWait: (why: string) => void, wake: () => Promise<void>): Promise<void>;
}

/** Free GPUs as the scheduler counts them, re-read when a trial ends or every `recheckMs`. */
export class GpuAdmission implements TrialAdmission {
  constructor(
    private readonly deps: Pick<LaunchDeps, 'client' | 'log'>,
    private readonly spec: KubeMLSpec,
    private readonly recheckMs = 10_000,
  ) {}

  async admit(demand: TrialDemand, signal: AbortSignal, onWait: (why: string) => void, wake: () => Promise<void>): Promise<void> {
    if (demand.gpusPerPod <= 0) return;
    for (;;) {
      if (signal.aborted) throw new Error('cancelled');
      let why: string;
      try {
        const { nodes, pods } = await readCapacity(this.deps.client, signal);
        const cap = gpuCapacity(nodes, pods, this.spec.resources);
        const placed = placedRunPods(pods);
        const reserved = demand.running.flatMap((id) =>
          Array<number>(Math.max(0, demand.pods - (placed.get(id) ?? 0))).fill(demand.gpusPerPod),
        );
        if (fits(cap.freePerNode, demand.pods, demand.gpusPerPod, reserved)) return;
        // A trial that would not fit even on idle nodes is not held back: the launcher reports the
        // scheduler's reason and hint (or waits, with waitForResources), as for any run.
        const idle = new Map(
          nodes.filter((n) => cap.freePerNode.has(n.metadata?.name ?? '')).map((n) => [n.metadata?.name ?? '', gpuCount(n)] as const),
        );
        if (!fits(idle, demand.pods, demand.gpusPerPod)) return;
        const free = [...cap.freePerNode.values()].reduce((s, x) => s + Math.max(0, x), 0);
        why = `waiting for ${demand.pods * demand.gpusPerPod} free GPU(s): ${free} of ${cap.total} free on the nodes it may use`;
      } catch (e) {
        if (signal.aborted) throw e;
        // Without the right to list nodes and pods the scheduler decides (the pod waits or fails as any run's).
        this.deps.log.warn(`Cannot count the free GPUs (${messageOf(e)}): starting the trial; the scheduler decides.`);
        return;
      }
      onWait(why);
      // Until a trial ends, the recheck time, or cancel (no timer or listener is left behind).
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, this.recheckMs);
        function done() {
          clearTimeout(t);
          signal.removeEventListener('abort', done);
          resolve();
        }
        signal.addEventListener('abort', done);
        void wake().then(done);
      });
    }
  }
}

/** <name>-sweep-<time><random>, like a run id (generate.ts newRunId). */
export function newSweepId(name: string, now: Date, random: number): string {
  const runId = newRunId(name, 'train', now, random);
  return `${name.slice(0, 40).replace(/-+$/, '')}-sweep-${runId.slice(runId.lastIndexOf('-') + 1)}`;
}

const gpuCount = (n: NodeJson) => Math.max(0, Math.floor(Number(n.status?.allocatable?.[GPU] ?? 0)) || 0);

/** What the sweep needs of a trial's run (RunExecution; a test gives a stand-in). */
export interface TrialRun {
  readonly id: string;
  readonly record: RunRecord;
  readonly onDidChange: Event<RunRecord>;
  start(): Promise<RunRecord>;
  cancel(): Promise<void>;
  dispose(): void;
}

export interface SweepDeps extends LaunchDeps {
  /** When a trial may start (default: GpuAdmission). A Kueue queue can take its place. */
  readonly admission?: TrialAdmission;
  /** Makes a trial's run (default: a RunExecution with these deps). */
  readonly startRun?: (req: LaunchRequest) => TrialRun;
}

export class SweepExecution extends Disposable {
  private readonly _onDidChange = this._register(new Emitter<SweepRecord>());
  readonly onDidChange = this._onDidChange.event;
  readonly record: SweepRecord;
  /** The trials' runs that have started (by trial index). */
  readonly runs = new Map<number, TrialRun>();
  private readonly ctl = new AbortController();
  private readonly store: SweepStore;
  private started: Promise<SweepRecord> | undefined;
  private wakers: Array<() => void> = [];
  private saving: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: SweepDeps,
    private readonly req: SweepRequest,
  ) {
    super();
    const sweep = req.spec.sweep;
    if (!sweep) throw new Error('kubeml.yaml has no sweep section.');
    const plan = planSweep(sweep);
    const now = deps.now?.() ?? new Date();
    this.store = new SweepStore(req.workspace);
    this.record = {
      version: 1,
      id: newSweepId(req.spec.name, now, deps.random?.() ?? Math.random()),
      name: req.spec.name,
      namespace: req.namespace,
      ...(req.context ? { context: req.context } : {}),
      createdAt: now.toISOString(),
      state: 'running',
      spec: sweep,
      ...(plan.note ? { note: plan.note } : {}),
      trials: plan.trials.map((t) => ({ index: t.index, params: t.params, phase: 'queued' })),
    };
  }

  get id(): string {
    return this.record.id;
  }

  /** Stops the queued trials and cancels the running ones; resolves when the sweep has ended. */
  async cancel(): Promise<void> {
    if (this.record.state !== 'running') return;
    this.ctl.abort();
    await Promise.all([...this.runs.values()].map((r) => r.cancel()));
    await this.started?.catch(() => undefined);
  }

  start(): Promise<SweepRecord> {
    this.started ??= this.run();
    return this.started;
  }

  private changed(): void {
    const sweep = this.record.spec;
    this.record.best = bestTrial(this.record.trials, sweep.direction);
    this._onDidChange.fire(this.record);
    // One write at a time, each of the record as it is then: the file never goes back to an older state.
    this.saving = this.saving
      .then(() => this.store.save(this.record))
      .catch((e: unknown) => this.deps.log.warn(`Cannot write the sweep record ${this.id}: ${messageOf(e)}`));
  }

  private wake(): Promise<void> {
    return new Promise((r) => this.wakers.push(r));
  }

  private async run(): Promise<SweepRecord> {
    const { spec } = this.req;
    const sweep = spec.sweep!;
    const signal = this.ctl.signal;
    const admission = this.deps.admission ?? new GpuAdmission(this.deps, spec);
    const demand = { pods: spec.kind === 'Job' ? 1 : spec.workers, gpusPerPod: spec.resources.gpus ?? 0 };
    const running = new Map<number, Promise<void>>();
    this.changed();
    for (const trial of this.record.trials) {
      if (signal.aborted) break;
      while (running.size >= sweep.parallel && !signal.aborted) await Promise.race([...running.values(), this.aborted()]);
      if (signal.aborted) break;
      try {
        await admission.admit(
          { ...demand, running: [...running.keys()].map((i) => this.record.trials[i]!.runId!).filter(Boolean) },
          signal,
          (why) => {
            if (trial.detail === why) return;
            trial.phase = 'waiting';
            trial.detail = why;
            this.deps.log.info(`${this.id}: trial ${trial.index + 1} ${why}`);
            this.changed();
          },
          () => this.wake(),
        );
      } catch {
        break; // cancelled while waiting
      }
      if (signal.aborted) break;
      delete trial.detail;
      running.set(
        trial.index,
        this.launch(trial).finally(() => running.delete(trial.index)),
      );
    }
    await Promise.all(running.values());
    for (const t of this.record.trials) if (t.phase === 'queued' || t.phase === 'waiting') t.phase = 'cancelled';
    this.record.state = finalState(this.record.trials, signal.aborted);
    this.record.finishedAt = (this.deps.now?.() ?? new Date()).toISOString();
    this.changed();
    await this.saving;
    return this.record;
  }

  private aborted(): Promise<void> {
    return new Promise((r) => (this.ctl.signal.aborted ? r() : this.ctl.signal.addEventListener('abort', () => r())));
  }

  private async launch(trial: SweepTrialRecord): Promise<void> {
    const { spec } = this.req;
    const sweep = spec.sweep!;
    let params: Record<string, ParamValue>;
    try {
      params = resolveParams(spec, { ...(this.req.params ?? {}), ...trial.params });
    } catch (e) {
      trial.phase = 'failed';
      trial.detail = messageOf(e);
      this.changed();
      return;
    }
    const req: LaunchRequest = {
      workspace: this.req.workspace,
      spec,
      purpose: 'train',
      params,
      namespace: this.req.namespace,
      ...(this.req.context ? { context: this.req.context } : {}),
      sweep: { id: this.id, trial: trial.index, metric: sweep.metric, direction: sweep.direction },
    };
    const run = this.deps.startRun?.(req) ?? new RunExecution(this.deps, req);
    this.runs.set(trial.index, run);
    trial.runId = run.id;
    const sync = (r: RunRecord) => {
      const metric = r.metrics[sweep.metric];
      if (r.phase === trial.phase && metric === trial.metric) return;
      trial.phase = r.phase;
      if (metric !== undefined) trial.metric = metric;
      if (r.failure) trial.detail = r.failure.message;
      this.changed();
    };
    run.onDidChange(sync);
    sync(run.record);
    try {
      const final = await run.start();
      sync(final);
      if (isTerminal(final.phase) && final.phase === 'succeeded' && final.metrics[sweep.metric] === undefined)
        this.deps.log.warn(`${this.id}: trial ${trial.index + 1} (${run.id}) reported no metric "${sweep.metric}".`);
    } finally {
      run.dispose();
      const w = this.wakers;
      this.wakers = [];
      for (const f of w) f();
    }
  }
}
