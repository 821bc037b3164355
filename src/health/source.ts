/**
 * Job health, live: every few seconds, a job's pods (by the label its controller sets), their nodes' GPU
 * products, the tail of each rank's log with the kubelet's timestamps (and the previous container's after a
 * restart), the progress in its KUBEML_RESULT step lines; when a rank's progress has stalled, the states of its
 * processes through exec (a SIGSTOPped rank shows T). The doctor (src/model/health/doctor.ts) turns that into
 * findings. No vscode here: the skins (commands.ts, statusBar.ts, the Job panel) render what this fires.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeClient } from '../cluster/client';
import { KubeMLError, messageOf } from '../common/errors';
import { Disposable, Emitter } from '../common/lifecycle';
import type { Logger } from '../common/logging';
import { PodTransport } from '../cluster/stream/transport';
import { diagnose, parseTimestampedLog, stepsFromLog } from '../model/health/doctor';
import { type HealthJobRef, mainContainer, parseProcStat, podSelector, rankOfPod, sortRanks } from '../model/health/jobPods';
import type { DoctorOptions, Finding, JobInput, RankInput, RankLogLine } from '../model/health/types';

export interface JobHealth {
  readonly job: HealthJobRef;
  readonly input: JobInput | undefined;
  readonly findings: readonly Finding[];
  /** Why the last read failed (the job's pods could not be listed); the previous input stays. */
  readonly error?: string;
  readonly time: number;
}

export interface JobHealthDeps {
  client(): KubeClient | undefined;
  kubeConfig(): KubeConfig | undefined;
  options?(): DoctorOptions;
  now?(): number;
  /** Between reads (default 5 s). */
  pollMs?: number;
  /** Log lines read per rank and read (default 400). */
  tailLines?: number;
}

interface PodObject {
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: { nodeName?: string; containers?: Array<{ name: string }> };
  status?: { containerStatuses?: Array<{ name: string; restartCount?: number }> };
}

/** Every process's stat in the container, after the probe's own pid (its cat children are left out too). */
const PROCESS_PROBE = ['sh', '-c', 'echo "probe $$"; for f in /proc/[0-9]*/stat; do cat "$f" 2>/dev/null; echo; done'];

export class JobHealthSource extends Disposable {
  private readonly _onDidChange = this._register(new Emitter<JobHealth>());
  readonly onDidChange = this._onDidChange.event;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private reading: Promise<JobHealth> | undefined;
  private last: JobHealth;
  /** Previous containers' logs, read once per restart count. */
  private readonly previous = new Map<string, { restarts: number; log: RankLogLine[] }>();
  private readonly nodes = new Map<string, { metadata: { name: string; labels?: Record<string, string> } }>();

  constructor(
    readonly job: HealthJobRef,
    private readonly deps: JobHealthDeps,
    private readonly log: Logger,
  ) {
    super();
    this.last = { job, input: undefined, findings: [], time: this.now() };
    this._register({ dispose: () => this.stop() });
  }

  get current(): JobHealth {
    return this.last;
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.tick();
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async tick(): Promise<void> {
    await this.read();
    if (this.running) this.timer = setTimeout(() => void this.tick(), this.deps.pollMs ?? 5000);
  }

  /** Reads the job once (concurrent callers share the read) and fires. */
  read(): Promise<JobHealth> {
    this.reading ??= this.readOnce().finally(() => (this.reading = undefined));
    return this.reading;
  }

  private async readOnce(): Promise<JobHealth> {
    const client = this.deps.client();
    if (!client) {
      this.last = { ...this.last, error: 'Not connected to a cluster.', time: this.now() };
      this._onDidChange.fire(this.last);
      return this.last;
    }
    const { namespace, name } = this.job;
    try {
      const pods = await client.json<{ items: PodObject[] }>(`/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`, {
        what: `list the pods of ${this.job.kind} ${namespace}/${name}`,
        query: { labelSelector: podSelector(this.job) },
        timeoutMs: 15_000,
      });
      await this.readNodes(client, pods.items);
      const ranks = await mapLimit(pods.items, 8, (p) => this.rank(client, p));
      let input: JobInput = { kind: this.job.kind, namespace, name, ranks: sortRanks(ranks), now: this.now() };
      const opts = this.deps.options?.() ?? {};
      let findings = diagnose(input, opts);
      // A stalled rank: look at its processes (a stopped or traced process says which rank holds the others up).
      const stalled = stalledRanks(input, opts.hungAfterMs ?? 60_000);
      if (stalled.length) {
        const probed = await mapLimit(input.ranks, 8, async (r) => (stalled.includes(r) ? this.probe(r) : r));
        input = { ...input, ranks: probed };
        findings = diagnose(input, opts);
      }
      this.last = { job: this.job, input, findings, time: this.now() };
    } catch (e) {
      const why = KubeMLError.is(e) && e.kind === 'forbidden' ? `no permission to read the job's pods: ${e.message}` : messageOf(e);
      this.log.warn(`job health of ${namespace}/${name}: ${why}`);
      this.last = { ...this.last, error: why, time: this.now() };
    }
    this._onDidChange.fire(this.last);
    return this.last;
  }

  private async readNodes(client: KubeClient, pods: PodObject[]): Promise<void> {
    const names = [...new Set(pods.map((p) => p.spec?.nodeName).filter((n): n is string => !!n))].filter((n) => !this.nodes.has(n));
    await Promise.all(
      names.map(async (n) => {
        try {
          this.nodes.set(n, await client.json(`/api/v1/nodes/${encodeURIComponent(n)}`, { what: `read node ${n}`, timeoutMs: 10_000 }));
        } catch {
          // No permission to read nodes (a namespaced user): the GPU product stays unknown.
          this.nodes.set(n, { metadata: { name: n } });
        }
      }),
    );
  }

  private async rank(client: KubeClient, pod: PodObject): Promise<RankInput> {
    const container = mainContainer(pod as never);
    const ns = pod.metadata.namespace ?? this.job.namespace;
    const restarts = pod.status?.containerStatuses?.find((c) => c.name === container)?.restartCount ?? 0;
    const read = async (previous: boolean): Promise<RankLogLine[] | undefined> => {
      if (!pod.spec?.nodeName) return undefined;
      try {
        const res = await client.raw(`/api/v1/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(pod.metadata.name)}/log`, {
          what: `read the log of ${ns}/${pod.metadata.name}`,
          query: { container, timestamps: true, tailLines: this.deps.tailLines ?? 400, ...(previous ? { previous: true } : {}) },
          timeoutMs: 15_000,
        });
        return parseTimestampedLog(await res.text());
      } catch {
        return undefined; // not started yet, or gone: the pod status says why
      }
    };
    const key = `${ns}/${pod.metadata.name}`;
    let previousLog: RankLogLine[] | undefined;
    if (restarts > 0) {
      const had = this.previous.get(key);
      if (had?.restarts === restarts) previousLog = had.log;
      else {
        previousLog = await read(true);
        if (previousLog) this.previous.set(key, { restarts, log: previousLog });
      }
    }
    const log = (await read(false)) ?? [];
    const rank = rankOfPod(pod as never, this.nodes as never, log, previousLog);
    const steps = stepsFromLog(log);
    return steps.length ? { ...rank, steps } : rank;
  }

  private async probe(r: RankInput): Promise<RankInput> {
    const kc = this.deps.kubeConfig();
    if (!kc || r.phase !== 'Running') return r;
    try {
      const t = new PodTransport(kc, { namespace: r.namespace, name: r.pod, container: undefined });
      const res = await t.exec(PROCESS_PROBE, { timeoutMs: 10_000 });
      const processes = parseProcStat(res.stdout.toString('utf8'));
      return { ...r, processes };
    } catch (e) {
      this.log.info(`could not read the processes of ${r.namespace}/${r.pod}: ${messageOf(e)}`);
      return r;
    }
  }
}

/** Running ranks whose last log line (or step) is older than half the hung threshold: worth a look at their processes. */
export function stalledRanks(input: JobInput, hungAfterMs: number): RankInput[] {
  return input.ranks.filter((r) => {
    if (r.phase !== 'Running') return false;
    const last = Math.max(r.log.at(-1)?.time ?? -Infinity, r.steps?.at(-1)?.time ?? -Infinity);
    return Number.isFinite(last) && input.now - last > hungAfterMs / 2;
  });
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}
