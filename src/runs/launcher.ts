/**
 * Launches a run and follows it to its results: generate -> check claims -> server-side apply ->
 * wait for the pods (reporting the scheduler's reason when they cannot be placed) -> upload the
 * workspace into each pod with the sync transport (tar over exec) -> release the waiting
 * entrypoint -> follow the log, collecting results -> record everything in .kubeml/runs/<id>/.
 * The run's state comes from watches (its pods by label, its primary object by name, and the
 * primary's events for a FailedCreate), not from polling: the launcher re-evaluates the run when
 * they change. The events that explain a pod's failure are read when that pod turns failed.
 * Plain Node: the commands (commands.ts) and the tests drive it alike.
 */
import { type KubeConfig } from '@kubernetes/client-node';
import { type KubeClient } from '../cluster/client';
import { followLogs, LineBatcher, readLog } from '../cluster/stream/logs';
import { KubeMLError, messageOf } from '../common/errors';
import { Disposable, Emitter } from '../common/lifecycle';
import { type Logger } from '../common/logging';
import { PodTransport, uploadTree } from '../cluster/stream/transport';
import { listEvents, missingClaims } from '../cluster/read/objects';
import { type KubeEvent } from '../cluster/read/describe';
import { ChangeSignal, kindOfRef, watchPods, WatchedSet } from '../cluster/read/watchSet';
import { kind } from '../cluster/resources';
import { applyObject, deleteRun, endRun } from '../cluster/write/objects';
import { findClaimManifest } from './claimManifest';
import { type GeneratedRun, generateRun, newRunId, READY_FILE, toYaml } from './generate';
import { type FailureReason, isTerminal, type ModelSource, type RunPurpose, type RunRecord, type RunStore } from '../model/runRecords';
import type { SweepRef } from '../model/runRecords';
import { ResultCollector } from '../model/runResults';
import { readQueuedJob } from '../model/queues/read';
import { type KubeMLSpec, type ParamValue } from '../model/runSpec';
import {
  classifyJob,
  classifyPod,
  combineVerdicts,
  type JobJson,
  latestEvent,
  type PodJson,
  type PodVerdict,
  TRANSIENT_SCHEDULING,
} from './status';

export interface LaunchRequest {
  readonly workspace: string;
  readonly spec: KubeMLSpec;
  readonly purpose: RunPurpose;
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly namespace: string;
  readonly model?: ModelSource;
  readonly reference?: string;
  readonly current?: string;
  readonly context?: string;
  /** A sweep trial (src/runs/sweep.ts): recorded on the run. */
  readonly sweep?: SweepRef;
}

export interface LaunchDeps {
  readonly kc: KubeConfig;
  readonly client: KubeClient;
  readonly store: RunStore;
  readonly log: Logger;
  readonly now?: () => Date;
  readonly random?: () => number;
  /** No longer used: the run's state comes from watches (kept so that callers that set it compile). */
  readonly pollMs?: number;
  /**
   * The run is re-evaluated from its watches at least this often even when nothing changed, for
   * its deadlines (default 30 s). No request: the watches are not re-listed (the informers restart
   * a silent watch and relist on 410 Gone by themselves).
   */
  readonly resyncMs?: number;
  /** After the run ended, how long its log stream may take to end before it is read once instead (default 2 s). */
  readonly logDrainMs?: number;
  /** A cluster that does not answer for this long during a run is reported gone (default 30 s). */
  readonly clusterGoneMs?: number;
  /** Pods not running after this long fail the run (default 10 min: image pulls can be slow). */
  readonly podStartTimeoutMs?: number;
  /** A suspended run (queue: in kubeml.yaml) whose Workload Kueue has not made after this long fails (default 60 s). */
  readonly queueAdmitTimeoutMs?: number;
  /** Claims not bound after this long fail the run with the scheduler's message (default 60 s). */
  readonly claimBindTimeoutMs?: number;
}

export interface PlannedRun {
  readonly runId: string;
  readonly generated: GeneratedRun;
  readonly yaml: string;
}

/** Generates the run's objects without touching the cluster (for "open the YAML before applying"). */
export function planRun(req: LaunchRequest, now = new Date(), random = Math.random()): PlannedRun {
  const runId = newRunId(req.spec.name, req.purpose, now, random);
  const generated = generateRun(req.spec, {
    runId,
    purpose: req.purpose,
    namespace: req.namespace,
    params: req.params,
    model: req.model,
    reference: req.reference,
    current: req.current,
  });
  const yaml = toYaml(
    generated.objects,
    `KubeML ${req.purpose === 'train' ? 'training' : 'validation'} run ${runId}, generated from kubeml.yaml.\nKubeML applies it with server-side apply (field manager "kubeml"), then uploads the workspace into ${req.spec.codePath}.`,
  );
  return { runId, generated, yaml };
}

/** How often a queued run reads its place in Kueue's queue. */
const QUEUE_POLL_MS = 5000;

function isSuspended(o: unknown): boolean {
  const spec = (o as { spec?: { suspend?: boolean; runPolicy?: { suspend?: boolean } } } | undefined)?.spec;
  return spec?.suspend === true || spec?.runPolicy?.suspend === true;
}

class RunFailed extends Error {
  constructor(
    readonly reason: FailureReason,
    message: string,
    readonly hint?: string,
    readonly exitCode?: number,
    readonly missingClaims?: string[],
  ) {
    super(message);
  }
  static from(v: Extract<PodVerdict, { kind: 'failed' }>): RunFailed {
    return new RunFailed(v.reason, v.message, v.hint, v.exitCode);
  }
}

/** Resolves when `p` settles, after `ms`, or when `signal` aborts, whichever is first. */
const within = (p: Promise<unknown>, ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
    p.then(done, done);
  });

/** What the launcher watches of one run: its pods, its primary object, and the primary's events (FailedCreate). */
interface RunWatch {
  readonly pods: WatchedSet;
  readonly primary: WatchedSet;
  readonly events: WatchedSet;
  readonly changes: ChangeSignal;
}

const TRANSIENT_KINDS = ['unreachable', 'timeout', 'server', 'unknown'];

/** Reasons whose pods may still be pending or running: nothing may keep running (a failed Job is ended and stays visible; a cancelled run is deleted). */
const DELETE_ON: ReadonlySet<FailureReason> = new Set([
  'image',
  'unschedulable',
  'upload',
  'config',
  'apply',
  'cancelled',
  'deleted',
  'evicted',
  'deadline',
  'exit',
  'oom',
]);

/** One run, from apply to results. `start()` resolves with the final record; it never rejects. */
export class RunExecution extends Disposable {
  private readonly _onDidChange = this._register(new Emitter<RunRecord>());
  readonly onDidChange = this._onDidChange.event;
  private readonly _onLine = this._register(new Emitter<string>());
  /** Every line of the run's output (of its first pod). */
  readonly onLine = this._onLine.event;

  readonly record: RunRecord;
  readonly results = new ResultCollector();
  private readonly ctl = new AbortController();
  private cancelled = false;
  private started: Promise<RunRecord> | undefined;
  private readonly now: () => Date;
  /** Milliseconds from start() to the command starting in the pod (the entrypoint's started line). */
  startedAfterMs: number | undefined;

  constructor(
    private readonly deps: LaunchDeps,
    private readonly req: LaunchRequest,
    readonly plan: PlannedRun = planRun(req, deps.now?.(), deps.random?.()),
  ) {
    super();
    this.now = deps.now ?? (() => new Date());
    const g = plan.generated;
    this.record = {
      version: 1,
      id: plan.runId,
      purpose: req.purpose,
      name: req.spec.name,
      namespace: req.namespace,
      ...(req.context ? { context: req.context } : {}),
      server: deps.client.server,
      kind: g.primary.kind as RunRecord['kind'],
      primary: g.primary,
      podSelector: g.podSelector,
      container: g.container,
      image: req.spec.image,
      command: g.command,
      params: { ...req.params },
      ...(req.model?.kind === 'run' ? { parent: req.model.runId } : {}),
      ...(req.model ? { model: req.model } : {}),
      createdAt: this.now().toISOString(),
      phase: 'launching',
      metrics: {},
      ...(req.sweep ? { sweep: req.sweep } : {}),
    };
  }

  get id(): string {
    return this.record.id;
  }
  get signal(): AbortSignal {
    return this.ctl.signal;
  }

  /** Cancels the run: stops following it and deletes its objects and pods. */
  async cancel(): Promise<void> {
    if (isTerminal(this.record.phase)) return;
    this.cancelled = true;
    this.ctl.abort();
    await this.started?.catch(() => undefined);
  }

  start(): Promise<RunRecord> {
    this.started ??= this.run();
    return this.started;
  }

  private async update(patch: Partial<RunRecord>): Promise<void> {
    Object.assign(this.record, patch);
    this._onDidChange.fire(this.record);
    await this.persist();
  }

  /** Writes run.json (the record as it is when the write starts): one write at a time, so an older state never lands last. */
  private saving: Promise<void> = Promise.resolve();
  private persist(): Promise<void> {
    this.saving = this.saving.then(() =>
      this.deps.store.save(this.record).catch((e: unknown) => this.deps.log.warn(`Cannot write the record of ${this.id}: ${messageOf(e)}`)),
    );
    return this.saving;
  }

  /**
   * Appends the metric results not yet in metrics.jsonl, and the latest values to run.json, while the
   * run lives (with each batch of log lines), so that a metric is on disk within the batch interval.
   */
  private metricsWritten = 0;
  private appending: Promise<void> = Promise.resolve();
  private appendNewMetrics(): Promise<void> {
    this.appending = this.appending.then(async () => {
      const fresh = this.results.metrics.slice(this.metricsWritten);
      if (!fresh.length) return;
      this.metricsWritten += fresh.length;
      await this.deps.store
        .appendMetrics(this.id, fresh)
        .catch((e: unknown) => this.deps.log.warn(`Cannot write the metrics of ${this.id}: ${messageOf(e)}`));
      await this.persist();
    });
    return this.appending;
  }

  private async run(): Promise<RunRecord> {
    const t0 = Date.now();
    const { client, store, log } = this.deps;
    const g = this.plan.generated;
    const signal = this.ctl.signal;
    let applied = false;
    let watch: RunWatch | undefined;
    try {
      await store.create(this.record, this.plan.yaml);
      const claims = [...this.req.spec.datasets.map((d) => d.claim), ...(this.req.spec.artifacts ? [this.req.spec.artifacts.claim] : [])];
      const missing = await missingClaims(client, this.req.namespace, claims, signal);
      if (missing.length) {
        throw new RunFailed(
          'config',
          `The claim${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ${missing.length > 1 ? 'do' : 'does'} not exist in namespace ${this.req.namespace} (PersistentVolumeClaim not found).`,
          missingClaimHint(this.req.workspace, missing),
          undefined,
          missing,
        );
      }
      for (const obj of g.objects)
        await applyObject(client, obj, { signal, notServedHint: 'Install its operator, or set kind: Job in kubeml.yaml.' });
      applied = true;
      log.info(`Applied ${g.primary.kind} ${this.req.namespace}/${this.id} (field manager kubeml).`);
      await this.update({ phase: 'pending' });
      watch = this.watchRun();
      const pods = await this.waitForPods(watch);
      await this.update({ phase: 'uploading', pods });
      const tu = Date.now();
      let files = 0;
      try {
        const results = await Promise.all(
          pods.map((name) =>
            uploadTree(
              this.deps.kc,
              { namespace: this.req.namespace, name, container: g.container },
              g.container,
              this.req.workspace,
              g.codePath,
              this.req.spec.exclude,
              { signal, onWarning: (m) => log.warn(`${this.id}: ${m}`) },
            ),
          ),
        );
        files = results[0]?.plan.uploads.length ?? 0;
        await Promise.all(
          pods.map((name) =>
            new PodTransport(this.deps.kc, { namespace: this.req.namespace, name, container: g.container }).run(
              ['sh', '-c', `touch ${READY_FILE}`],
              'Starting the run',
              { signal, timeoutMs: 30_000 },
            ),
          ),
        );
      } catch (e) {
        if (signal.aborted) throw e;
        throw new RunFailed(
          'upload',
          `Uploading the workspace into ${pods.join(', ')} failed: ${messageOf(e)}`,
          'Check the KubeML log; the image needs sh and tar. Then Re-run.',
        );
      }
      log.info(`${this.id}: uploaded ${files} file(s) in ${Date.now() - tu} ms.`);
      await this.update({ phase: 'running', upload: { files, ms: Date.now() - tu } });
      const verdict = await this.follow(watch, pods[0], t0);
      if (verdict.kind === 'failed') throw RunFailed.from(verdict);
      this.disposeWatch(watch);
      await this.finish({ phase: 'succeeded' });
    } catch (e) {
      this.disposeWatch(watch);
      const failure = this.cancelled
        ? new RunFailed('cancelled', 'The run was cancelled; KubeML deleted its job and pods.')
        : e instanceof RunFailed
          ? e
          : KubeMLError.is(e) && (e.kind === 'unreachable' || e.kind === 'timeout') && applied
            ? new RunFailed(
                'cluster-gone',
                `The cluster stopped answering during the run: ${e.message}`,
                'The run may still be going on the cluster; KubeML could not stop it. When the cluster is back, Cancel it from the Jobs view.',
              )
            : new RunFailed('apply', KubeMLError.is(e) ? e.message : messageOf(e), KubeMLError.is(e) ? e.hint : undefined);
      if (applied && DELETE_ON.has(failure.reason) && !this.keepsFinishedPods(failure.reason)) {
        // A cancelled run is deleted; a failed one is ended (its pods go) but stays visible, Failed, until deleted.
        const stop =
          failure.reason === 'cancelled'
            ? deleteRun(client, g.primary, g.podSelector)
            : endRun(client, g.primary, g.podSelector, `${failure.message}${failure.hint ? ` ${failure.hint}` : ''}`);
        await stop.catch((d: unknown) => log.warn(`Cannot stop ${this.id}: ${messageOf(d)}`));
      }
      log.warn(`${this.id}: ${failure.message}${failure.hint ? ` ${failure.hint}` : ''}`);
      await this.finish({
        phase: failure.reason === 'cancelled' ? 'cancelled' : 'failed',
        failure: {
          reason: failure.reason,
          message: failure.message,
          ...(failure.hint ? { hint: failure.hint } : {}),
          ...(failure.exitCode !== undefined ? { exitCode: failure.exitCode } : {}),
          ...(failure.missingClaims?.length ? { missingClaims: failure.missingClaims } : {}),
        },
      });
    }
    return this.record;
  }

  /** A single-pod Job whose command ended keeps its (finished) pod for inspection: nothing runs. */
  private keepsFinishedPods(reason: FailureReason): boolean {
    return (reason === 'exit' || reason === 'oom') && this.plan.generated.primary.kind === 'Job';
  }

  private async finish(patch: Partial<RunRecord>): Promise<void> {
    const { store } = this.deps;
    await this.appendNewMetrics();
    if (this.results.drift) await store.writeDrift(this.id, this.results.drift).catch(() => undefined);
    await this.update({
      ...patch,
      finishedAt: this.now().toISOString(),
      metrics: this.results.latest(),
      ...(this.results.drift ? { hasDrift: true, datasetDrift: this.results.drift.datasetDrift } : {}),
      ...(this.results.warnings.length ? { warnings: [...this.results.warnings] } : {}),
    });
  }

  /** Starts watching the run: its pods by label, its primary object by name, the primary's events. */
  private watchRun(): RunWatch {
    const { client, log } = this.deps;
    const g = this.plan.generated;
    const ns = this.req.namespace;
    // A failed read counts at once, as a failed poll did (clusterGoneMs runs from the first one).
    const opts = { errorAfterFailures: 1 };
    const pods = watchPods(client, { namespace: ns, labelSelector: g.podSelector }, log, opts);
    const primary = new WatchedSet(client, kindOfRef(g.primary), { namespace: ns, name: g.primary.name }, log, opts);
    const events = new WatchedSet(
      client,
      kind('events'),
      { namespace: ns, fieldSelector: `involvedObject.name=${g.primary.name}` },
      log,
      opts,
    );
    return { pods, primary, events, changes: new ChangeSignal([pods, primary, events]) };
  }

  private disposeWatch(w: RunWatch | undefined): void {
    if (!w) return;
    w.changes.dispose();
    for (const s of [w.pods, w.primary, w.events]) s.dispose();
  }

  /** The events of failed pods, read once per state of each pod (a pod's resourceVersion). */
  private readonly podEvents = new Map<string, { rv: string | undefined; events: KubeEvent[] }>();

  private async eventsOf(pods: readonly PodJson[]): Promise<KubeEvent[]> {
    const { client } = this.deps;
    const lists = await Promise.all(
      pods.map(async (p) => {
        const name = p.metadata?.name ?? '';
        const rv = (p.metadata as { resourceVersion?: string } | undefined)?.resourceVersion;
        const known = this.podEvents.get(name);
        if (known && known.rv === rv) return known.events;
        const events = await listEvents(client, this.req.namespace, name, this.ctl.signal).catch(() => []);
        this.podEvents.set(name, { rv, events });
        return events;
      }),
    );
    return lists.flat();
  }

  /** Classifies the run from its watches; a pod that turned failed has its events read to quote. */
  private async verdict(w: RunWatch): Promise<{ pods: PodJson[]; verdict: PodVerdict }> {
    const g = this.plan.generated;
    const pods = w.pods.objects as PodJson[];
    let verdicts = pods.map((p) => classifyPod(p, [], g.container));
    if (verdicts.some((v) => v.kind === 'failed')) {
      const events = await this.eventsOf(pods.filter((_, i) => verdicts[i]!.kind === 'failed'));
      verdicts = pods.map((p) => classifyPod(p, events, g.container));
    }
    if (this.req.spec.waitForResources)
      verdicts = verdicts.map((v) => (v.kind === 'failed' && v.reason === 'unschedulable' ? { kind: 'pending', detail: v.message } : v));
    let verdict = combineVerdicts(verdicts, g.pods);
    if (verdict.kind !== 'failed') {
      const job = w.primary.objects[0] as JobJson | undefined;
      if (!job)
        return {
          pods,
          verdict: {
            kind: 'failed',
            reason: 'deleted',
            message: `The ${g.primary.kind} ${this.id} was deleted while it ran.`,
            hint: 'Someone or something else deleted it.',
          },
        };
      const jv = classifyJob(job);
      if (jv?.kind === 'failed' || (jv?.kind === 'succeeded' && verdict.kind !== 'running')) verdict = jv;
      if (pods.length === 0) {
        const ev = latestEvent(w.events.objects as KubeEvent[], 'FailedCreate');
        if (ev)
          verdict = {
            kind: 'failed',
            reason: 'config',
            message: `Kubernetes cannot create the run's pods: FailedCreate: ${ev.message ?? ''}`,
            hint: 'Check quotas and policies in the namespace.',
          };
      }
    }
    return { pods, verdict };
  }

  /** Waits until every pod runs (in the waiting entrypoint); returns their names. */
  private async waitForPods(w: RunWatch): Promise<string[]> {
    let end = Date.now() + (this.deps.podStartTimeoutMs ?? 600_000);
    const claimBindMs = this.deps.claimBindTimeoutMs ?? 60_000;
    const signal = this.ctl.signal;
    let lastDetail = '';
    let unboundSince: number | undefined;
    const kueue = { since: undefined as number | undefined, readAt: 0 };
    for (;;) {
      if (signal.aborted) throw new RunFailed('cancelled', 'Cancelled.');
      // A watch that cannot read the run fails it, as a failed read did (the informers retry a
      // hiccup before they report an error).
      const error = w.pods.error ?? w.primary.error;
      if (error) throw error;
      // The events only explain a failure to create pods: a user who may not read them still runs.
      if (w.pods.synced && w.primary.synced) {
        const { pods, verdict } = await this.verdict(w);
        if (verdict.kind === 'failed') throw RunFailed.from(verdict);
        if (verdict.kind === 'succeeded') throw new RunFailed('upload', 'The pods ended before KubeML could upload the code.', 'Re-run.');
        if (verdict.kind === 'running') return pods.map((p) => p.metadata?.name ?? '').filter(Boolean);
        // Suspended (kueue.x-k8s.io/queue-name): queued, not failing; the pod start timeout runs from admission.
        if (isSuspended(w.primary.objects[0])) {
          end = Date.now() + (this.deps.podStartTimeoutMs ?? 600_000);
          await this.whileQueued(kueue);
        } else if (this.record.queued) await this.update({ queued: undefined });
        if (verdict.detail.startsWith(TRANSIENT_SCHEDULING)) {
          unboundSince ??= Date.now();
          if (Date.now() - unboundSince > claimBindMs) {
            throw new RunFailed(
              'unschedulable',
              `No node can run the pod: ${verdict.detail.slice(TRANSIENT_SCHEDULING.length + 2)}`,
              'A claim of the run is not bound: check its PersistentVolume or storage class (kubectl describe pvc).',
            );
          }
        } else unboundSince = undefined;
        if (verdict.detail !== lastDetail) {
          lastDetail = verdict.detail;
          this.deps.log.info(`${this.id}: ${verdict.detail}`);
        }
      }
      if (Date.now() > end)
        throw new RunFailed(
          'unschedulable',
          `The run's pods did not start within ${Math.round((this.deps.podStartTimeoutMs ?? 600_000) / 1000)} s (last: ${lastDetail || 'reading the run'}).`,
          'Check the pod events in the Jobs view.',
        );
      // Until the next change of the run, or its next deadline.
      let wait = Math.min(this.deps.resyncMs ?? 30_000, end - Date.now() + 1);
      // Kueue's queue moves without the run's objects changing: its position is read again every few seconds.
      if (kueue.since !== undefined) wait = Math.min(wait, QUEUE_POLL_MS);
      if (unboundSince !== undefined) wait = Math.min(wait, unboundSince + claimBindMs - Date.now() + 1);
      await w.changes.next(wait, signal);
    }
  }

  /** While the run's job is suspended: its place in Kueue's queue into the record; no Workload in time fails it. */
  private async whileQueued(k: { since: number | undefined; readAt: number }): Promise<void> {
    k.since ??= Date.now();
    if (Date.now() - k.readAt < QUEUE_POLL_MS) return;
    k.readAt = Date.now();
    const g = this.plan.generated;
    const q = await readQueuedJob(this.deps.client, this.req.namespace, { kind: g.primary.kind, name: g.primary.name }, this.ctl.signal);
    if (!q) {
      const limit = this.deps.queueAdmitTimeoutMs ?? 60_000;
      if (Date.now() - k.since > limit)
        throw new RunFailed(
          'config',
          `The ${g.primary.kind} ${this.id} is suspended and Kueue made no Workload for it within ${Math.round(limit / 1000)} s.`,
          `Check that Kueue is installed and that the LocalQueue ${this.req.spec.queue ?? '(queue)'} exists in namespace ${this.req.namespace} (kubectl get localqueues -n ${this.req.namespace}), or remove queue: from kubeml.yaml.`,
        );
      return;
    }
    const line = q.admitted ? 'admitted by Kueue, starting' : q.line;
    if (line !== this.record.queued) {
      this.deps.log.info(`${this.id}: ${line}${q.admitted ? '' : ` (${q.explanation.sentence})`}`);
      await this.update({ queued: line });
    }
  }

  /**
   * Follows the first pod's log while watching the run's status, until the run ends. A broken log
   * stream is followed again (lines already read are skipped); a watch that cannot reach the
   * cluster for clusterGoneMs ends the run as 'cluster-gone'.
   */
  private async follow(w: RunWatch, pod: string, t0: number): Promise<PodVerdict> {
    const { kc, client, store, log } = this.deps;
    const g = this.plan.generated;
    const signal = this.ctl.signal;
    const batcher = new LineBatcher((text) => {
      void store.appendLog(this.id, text).catch(() => undefined);
      void this.appendNewMetrics();
    }, 100);
    let seen = 0;
    let skip = 0;
    const onLine = (line: string) => {
      if (skip > 0) {
        skip--;
        return;
      }
      seen++;
      batcher.push(line);
      const r = this.results.push(line);
      if (r?.type === 'started' && this.startedAfterMs === undefined) {
        this.startedAfterMs = Date.now() - t0;
        void this.update({ startedAt: this.now().toISOString() });
      } else if (r?.type === 'metric') this.record.metrics = this.results.latest();
      this._onLine.fire(line);
    };
    const logsCtl = new AbortController();
    signal.addEventListener('abort', () => logsCtl.abort());
    const logs: { state: 'open' | 'ended' | 'broken'; done: Promise<void>; startedAt: number } = {
      state: 'open',
      done: Promise.resolve(),
      startedAt: 0,
    };
    const startLogs = () => {
      logs.state = 'open';
      logs.startedAt = Date.now();
      skip = seen;
      logs.done = followLogs(kc, { namespace: this.req.namespace, pod, container: g.container }, onLine, logsCtl.signal).then(
        () => {
          logs.state = 'ended';
        },
        (e: unknown) => {
          logs.state = 'broken';
          log.debug(`${this.id}: log stream broke: ${messageOf(e)}`);
          w.changes.notify();
        },
      );
    };
    startLogs();
    let failingSince: number | undefined;
    const goneMs = this.deps.clusterGoneMs ?? 30_000;
    try {
      for (;;) {
        if (signal.aborted) throw new RunFailed('cancelled', 'Cancelled.');
        const error = w.pods.error ?? w.primary.error;
        if (error) {
          if (!TRANSIENT_KINDS.includes(error.kind)) throw error;
          failingSince ??= Date.now();
          if (Date.now() - failingSince > goneMs) {
            throw new RunFailed(
              'cluster-gone',
              `The cluster at ${client.server} stopped answering during the run (${messageOf(error)}).`,
              'The run may still be going on the cluster: KubeML could not stop it. When the cluster is back, look at it in the Jobs view (or Cancel it).',
            );
          }
          await w.changes.next(failingSince + goneMs - Date.now() + 1, signal);
          continue;
        }
        failingSince = undefined;
        const verdict = (await this.verdict(w)).verdict;
        if (verdict.kind === 'succeeded' || verdict.kind === 'failed') {
          // Let the log stream drain (it ends when the container's output does); if it broke or
          // did not end in time, read the whole log once and take what is new.
          if (logs.state === 'open') await within(logs.done, this.deps.logDrainMs ?? 2000, signal);
          if (logs.state !== 'ended') {
            logsCtl.abort();
            const text = await readLog(client, this.req.namespace, pod, g.container, signal).catch(() => '');
            const lines = text.split('\n');
            if (lines[lines.length - 1] === '') lines.pop();
            skip = 0;
            for (const l of lines.slice(seen)) onLine(l);
          }
          return verdict;
        }
        // A broken log stream is followed again, at most twice a second.
        let wait = this.deps.resyncMs ?? 30_000;
        if (logs.state === 'broken') {
          const since = Date.now() - logs.startedAt;
          if (since >= 500) startLogs();
          else wait = Math.min(wait, 500 - since);
        }
        await w.changes.next(wait, signal);
      }
    } finally {
      logsCtl.abort();
      batcher.flush();
    }
  }
}

/** What to do about missing claims: apply the workspace file that defines one, if there is such a file. */
export function missingClaimHint(workspace: string, missing: readonly string[]): string {
  const files = missing.map((c) => findClaimManifest(workspace, c)).filter((f): f is string => !!f);
  const unique = [...new Set(files)];
  return unique.length
    ? `Create ${missing.length > 1 ? 'them' : 'it'}: kubectl apply -f ${unique.join(' -f ')} (in this workspace), or change datasets/artifacts in kubeml.yaml.`
    : `Create ${missing.length > 1 ? 'them' : 'it'} (a PersistentVolumeClaim with your storage class), or change datasets/artifacts in kubeml.yaml.`;
}
