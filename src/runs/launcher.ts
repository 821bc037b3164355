/**
 * Launches a run and follows it to its results: generate -> check claims -> server-side apply ->
 * wait for the pods (reporting the scheduler's reason when they cannot be placed) -> upload the
 * workspace into each pod with the sync transport (tar over exec) -> release the waiting
 * entrypoint -> follow the log, collecting results -> record everything in .kubeml/runs/<id>/.
 * Plain Node: the commands (commands.ts) and the tests drive it alike.
 */
import { type KubeConfig } from '@kubernetes/client-node';
import { type KubeClient } from '../cluster/client';
import { followLogs, LineBatcher, readLog } from '../cluster/stream/logs';
import { KubeMLError, messageOf } from '../common/errors';
import { Disposable, Emitter } from '../common/lifecycle';
import { type Logger } from '../common/logging';
import { PodTransport, uploadTree } from '../cluster/stream/transport';
import { getObject, listEvents, listPods, missingClaims } from '../cluster/read/objects';
import { applyObject, deleteRun } from '../cluster/write/objects';
import { type GeneratedRun, generateRun, newRunId, READY_FILE, toYaml } from './generate';
import { type FailureReason, isTerminal, type ModelSource, type RunPurpose, type RunRecord, type RunStore } from '../model/runRecords';
import { ResultCollector } from '../model/runResults';
import { type KubeMLSpec, type ParamValue } from '../model/runSpec';
import { classifyJob, classifyPod, combineVerdicts, type JobJson, type PodJson, type PodVerdict, TRANSIENT_SCHEDULING } from './status';

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
}

export interface LaunchDeps {
  readonly kc: KubeConfig;
  readonly client: KubeClient;
  readonly store: RunStore;
  readonly log: Logger;
  readonly now?: () => Date;
  readonly random?: () => number;
  /** Status polling interval (default 500 ms). */
  readonly pollMs?: number;
  /** A cluster that does not answer for this long during a run is reported gone (default 30 s). */
  readonly clusterGoneMs?: number;
  /** Pods not running after this long fail the run (default 10 min: image pulls can be slow). */
  readonly podStartTimeoutMs?: number;
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
  const generated = generateRun(req.spec, { runId, purpose: req.purpose, namespace: req.namespace, params: req.params, model: req.model, reference: req.reference, current: req.current });
  const yaml = toYaml(generated.objects, `KubeML ${req.purpose === 'train' ? 'training' : 'validation'} run ${runId}, generated from kubeml.yaml.\nKubeML applies it with server-side apply (field manager "kubeml"), then uploads the workspace into ${req.spec.codePath}.`);
  return { runId, generated, yaml };
}

class RunFailed extends Error {
  constructor(
    readonly reason: FailureReason,
    message: string,
    readonly hint?: string,
    readonly exitCode?: number,
  ) {
    super(message);
  }
  static from(v: Extract<PodVerdict, { kind: 'failed' }>): RunFailed {
    return new RunFailed(v.reason, v.message, v.hint, v.exitCode);
  }
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });

/** Reasons whose pods may still be pending or running: the run is deleted so nothing is left behind. */
const DELETE_ON: ReadonlySet<FailureReason> = new Set(['image', 'unschedulable', 'upload', 'config', 'apply', 'cancelled', 'deleted', 'evicted', 'deadline', 'exit', 'oom']);

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
    await this.deps.store.save(this.record).catch((e: unknown) => this.deps.log.warn(`Cannot write the record of ${this.id}: ${messageOf(e)}`));
  }

  private async run(): Promise<RunRecord> {
    const t0 = Date.now();
    const { client, store, log } = this.deps;
    const g = this.plan.generated;
    const signal = this.ctl.signal;
    let applied = false;
    try {
      await store.create(this.record, this.plan.yaml);
      const claims = [...this.req.spec.datasets.map((d) => d.claim), ...(this.req.spec.artifacts ? [this.req.spec.artifacts.claim] : [])];
      const missing = await missingClaims(client, this.req.namespace, claims, signal);
      if (missing.length) {
        throw new RunFailed('config', `The claim${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ${missing.length > 1 ? 'do' : 'does'} not exist in namespace ${this.req.namespace} (PersistentVolumeClaim not found).`, 'Create it (samples/cluster/artifacts.yaml shows one for the local cluster), or change datasets/artifacts in kubeml.yaml.');
      }
      for (const obj of g.objects) await applyObject(client, obj, { signal, notServedHint: 'Install its operator, or set kind: Job in kubeml.yaml.' });
      applied = true;
      log.info(`Applied ${g.primary.kind} ${this.req.namespace}/${this.id} (field manager kubeml).`);
      await this.update({ phase: 'pending' });
      const pods = await this.waitForPods();
      await this.update({ phase: 'uploading', pods });
      const tu = Date.now();
      let files = 0;
      try {
        const results = await Promise.all(pods.map((name) => uploadTree(this.deps.kc, { namespace: this.req.namespace, name, container: g.container }, g.container, this.req.workspace, g.codePath, this.req.spec.exclude, { signal, onWarning: (m) => log.warn(`${this.id}: ${m}`) })));
        files = results[0]?.plan.uploads.length ?? 0;
        await Promise.all(pods.map((name) => new PodTransport(this.deps.kc, { namespace: this.req.namespace, name, container: g.container }).run(['sh', '-c', `touch ${READY_FILE}`], 'Starting the run', { signal, timeoutMs: 30_000 })));
      } catch (e) {
        if (signal.aborted) throw e;
        throw new RunFailed('upload', `Uploading the workspace into ${pods.join(', ')} failed: ${messageOf(e)}`, 'Check the KubeML log; the image needs sh and tar. Then Re-run.');
      }
      log.info(`${this.id}: uploaded ${files} file(s) in ${Date.now() - tu} ms.`);
      await this.update({ phase: 'running', upload: { files, ms: Date.now() - tu } });
      const verdict = await this.follow(pods[0], t0);
      if (verdict.kind === 'failed') throw RunFailed.from(verdict);
      await this.finish({ phase: 'succeeded' });
    } catch (e) {
      const failure = this.cancelled
        ? new RunFailed('cancelled', 'The run was cancelled; KubeML deleted its job and pods.')
        : e instanceof RunFailed
          ? e
          : KubeMLError.is(e) && (e.kind === 'unreachable' || e.kind === 'timeout') && applied
            ? new RunFailed('cluster-gone', `The cluster stopped answering during the run: ${e.message}`, 'The run may still be going on the cluster; KubeML could not stop it. When the cluster is back, Cancel it from the Jobs view.')
            : new RunFailed('apply', KubeMLError.is(e) ? e.message : messageOf(e), KubeMLError.is(e) ? e.hint : undefined);
      if (applied && DELETE_ON.has(failure.reason) && !(this.keepsFinishedPods(failure.reason))) {
        await deleteRun(client, g.primary, g.podSelector).catch((d: unknown) => log.warn(`Cannot delete ${this.id}: ${messageOf(d)}`));
      }
      log.warn(`${this.id}: ${failure.message}${failure.hint ? ` ${failure.hint}` : ''}`);
      await this.finish({ phase: failure.reason === 'cancelled' ? 'cancelled' : 'failed', failure: { reason: failure.reason, message: failure.message, ...(failure.hint ? { hint: failure.hint } : {}), ...(failure.exitCode !== undefined ? { exitCode: failure.exitCode } : {}) } });
    }
    return this.record;
  }

  /** A single-pod Job whose command ended keeps its (finished) pod for inspection: nothing runs. */
  private keepsFinishedPods(reason: FailureReason): boolean {
    return (reason === 'exit' || reason === 'oom') && this.plan.generated.primary.kind === 'Job';
  }

  private async finish(patch: Partial<RunRecord>): Promise<void> {
    const { store } = this.deps;
    await store.appendMetrics(this.id, this.results.metrics).catch(() => undefined);
    if (this.results.drift) await store.writeDrift(this.id, this.results.drift).catch(() => undefined);
    await this.update({
      ...patch,
      finishedAt: this.now().toISOString(),
      metrics: this.results.latest(),
      ...(this.results.drift ? { hasDrift: true, datasetDrift: this.results.drift.datasetDrift } : {}),
      ...(this.results.warnings.length ? { warnings: [...this.results.warnings] } : {}),
    });
  }

  /** Lists the run's pods and classifies them; `withEvents` fetches events to quote (failures). */
  private async verdict(): Promise<{ pods: PodJson[]; verdict: PodVerdict }> {
    const { client } = this.deps;
    const g = this.plan.generated;
    const signal = this.ctl.signal;
    const pods = await listPods(client, this.req.namespace, g.podSelector, signal);
    let verdicts = pods.map((p) => classifyPod(p, [], g.container));
    if (verdicts.some((v) => v.kind === 'failed')) {
      const events = (await Promise.all(pods.map((p) => listEvents(client, this.req.namespace, p.metadata?.name ?? '', signal).catch(() => [])))).flat();
      verdicts = pods.map((p) => classifyPod(p, events, g.container));
    }
    if (this.req.spec.waitForResources) verdicts = verdicts.map((v) => (v.kind === 'failed' && v.reason === 'unschedulable' ? { kind: 'pending', detail: v.message } : v));
    let verdict = combineVerdicts(verdicts, g.pods);
    if (verdict.kind !== 'failed') {
      const job = await getObject<JobJson>(client, g.primary, signal);
      if (!job) return { pods, verdict: { kind: 'failed', reason: 'deleted', message: `The ${g.primary.kind} ${this.id} was deleted while it ran.`, hint: 'Someone or something else deleted it.' } };
      const jv = classifyJob(job);
      if (jv?.kind === 'failed' || (jv?.kind === 'succeeded' && verdict.kind !== 'running')) verdict = jv;
      if (pods.length === 0) {
        const ev = (await listEvents(client, this.req.namespace, this.id, signal).catch(() => [])).filter((e) => e.reason === 'FailedCreate').pop();
        if (ev) verdict = { kind: 'failed', reason: 'config', message: `Kubernetes cannot create the run's pods: FailedCreate: ${ev.message ?? ''}`, hint: 'Check quotas and policies in the namespace.' };
      }
    }
    return { pods, verdict };
  }

  /** Waits until every pod runs (in the waiting entrypoint); returns their names. */
  private async waitForPods(): Promise<string[]> {
    const end = Date.now() + (this.deps.podStartTimeoutMs ?? 600_000);
    const signal = this.ctl.signal;
    let lastDetail = '';
    let unboundSince: number | undefined;
    for (;;) {
      if (signal.aborted) throw new RunFailed('cancelled', 'Cancelled.');
      const { pods, verdict } = await this.verdict();
      if (verdict.kind === 'failed') throw RunFailed.from(verdict);
      if (verdict.kind === 'succeeded') throw new RunFailed('upload', 'The pods ended before KubeML could upload the code.', 'Re-run.');
      if (verdict.kind === 'running') return pods.map((p) => p.metadata?.name ?? '').filter(Boolean);
      if (verdict.detail.startsWith(TRANSIENT_SCHEDULING)) {
        unboundSince ??= Date.now();
        if (Date.now() - unboundSince > (this.deps.claimBindTimeoutMs ?? 60_000)) {
          throw new RunFailed('unschedulable', `No node can run the pod: ${verdict.detail.slice(TRANSIENT_SCHEDULING.length + 2)}`, 'A claim of the run is not bound: check its PersistentVolume or storage class (kubectl describe pvc).');
        }
      } else unboundSince = undefined;
      if (verdict.detail !== lastDetail) {
        lastDetail = verdict.detail;
        this.deps.log.info(`${this.id}: ${verdict.detail}`);
      }
      if (Date.now() > end) throw new RunFailed('unschedulable', `The run's pods did not start within ${Math.round((this.deps.podStartTimeoutMs ?? 600_000) / 1000)} s (last: ${lastDetail}).`, 'Check the pod events in the Jobs view.');
      await sleep(this.deps.pollMs ?? 250, signal);
    }
  }

  /**
   * Follows the first pod's log while polling the run's status, until the run ends. A broken log
   * stream is followed again (lines already read are skipped); a cluster that stops answering
   * for clusterGoneMs ends the run as 'cluster-gone'.
   */
  private async follow(pod: string, t0: number): Promise<PodVerdict> {
    const { kc, client, store, log } = this.deps;
    const g = this.plan.generated;
    const signal = this.ctl.signal;
    const batcher = new LineBatcher((text) => void store.appendLog(this.id, text).catch(() => undefined), 200);
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
    const logs: { state: 'open' | 'ended' | 'broken' } = { state: 'open' };
    const startLogs = () => {
      logs.state = 'open';
      skip = seen;
      followLogs(kc, { namespace: this.req.namespace, pod, container: g.container }, onLine, logsCtl.signal).then(
        () => (logs.state = 'ended'),
        (e: unknown) => {
          logs.state = 'broken';
          log.debug(`${this.id}: log stream broke: ${messageOf(e)}`);
        },
      );
    };
    startLogs();
    let failingSince: number | undefined;
    let lastError: unknown;
    try {
      for (;;) {
        await sleep(this.deps.pollMs ?? 500, signal);
        if (signal.aborted) throw new RunFailed('cancelled', 'Cancelled.');
        let verdict: PodVerdict;
        try {
          verdict = (await this.verdict()).verdict;
          failingSince = undefined;
        } catch (e) {
          if (signal.aborted) throw e;
          if (KubeMLError.is(e) && !['unreachable', 'timeout', 'server', 'unknown'].includes(e.kind)) throw e;
          lastError = e;
          failingSince ??= Date.now();
          if (Date.now() - failingSince > (this.deps.clusterGoneMs ?? 30_000)) {
            throw new RunFailed('cluster-gone', `The cluster at ${client.server} stopped answering during the run (${messageOf(lastError)}).`, 'The run may still be going on the cluster: KubeML could not stop it. When the cluster is back, look at it in the Jobs view (or Cancel it).');
          }
          continue;
        }
        if (verdict.kind === 'succeeded' || verdict.kind === 'failed') {
          // Let the log stream drain; if it broke, read the whole log once and take what is new.
          for (let i = 0; i < 20 && logs.state === 'open'; i++) await sleep(100, signal);
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
        if (logs.state === 'broken') startLogs();
      }
    } finally {
      logsCtl.abort();
      batcher.flush();
    }
  }
}
