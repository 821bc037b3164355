/**
 * Follows the TensorBoard event files of every running run of the workspace while the experiments
 * feature is loaded: for a run that runs (its record names its pods), the event files under its
 * logdir (kubeml.yaml's tensorboard.logdir, else the run's artifacts folder) are read through exec
 * in byte ranges, about once a second, and their scalars stored in the run folder
 * (metrics.tensorboard.jsonl), where the experiments panel and `kubeml runs` read them with the
 * KUBEML_RESULT metrics. When the run ends, the whole logdir is read once more from the artifacts
 * claim when it is there (a finished container refuses exec), else one last read in the pod. Plain Node.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { Disposable } from '../common/lifecycle';
import { messageOf } from '../common/errors';
import type { Logger } from '../common/logging';
import { RunStore } from '../model/runRecords';
import { loadSpec, SPEC_FILE } from '../model/runSpec';
import type { RunEntry } from './runEntry';
import type { RunIndex } from './runIndex';
import { claimLogdir, followRunPod, readRunFromClaim, runLogdir } from './tfevents/runTensorBoard';
import type { KubeClient } from '../cluster/client';
import type { TensorBoardFollower } from './tfevents/follower';

interface Followed {
  readonly follower: Promise<TensorBoardFollower | undefined>;
  /** Where the logdir is on the artifacts claim (read once more when the run ends). */
  claim?: { readonly claim: string; readonly path: string };
}

export class TensorBoardRuns extends Disposable {
  private readonly followed = new Map<string, Followed>();
  private readonly ending = new Set<Promise<void>>();

  constructor(
    private readonly cluster: () => { kc: KubeConfig; client: KubeClient } | undefined,
    private readonly log: Logger,
    private readonly intervalMs = 1000,
  ) {
    super();
    this._register({ dispose: () => this.stopAll() });
  }

  /** Runs KubeML follows now (their ids). */
  get following(): string[] {
    return [...this.followed.keys()];
  }

  /** The index's entries changed: follow the runs that run, finish those that ended. */
  update(entries: readonly RunEntry[]): void {
    if (this.isDisposed) return;
    const running = new Map(entries.filter((e) => e.record.phase === 'running' && e.record.pods?.length).map((e) => [e.id, e]));
    const byId = new Map(entries.map((e) => [e.id, e]));
    for (const [id, f] of this.followed)
      if (!running.has(id)) {
        this.followed.delete(id);
        const ended = byId.get(id);
        const done = f.follower.then(async (t) => {
          if (!t) return;
          if (ended && f.claim) {
            // The pod has ended (exec is refused in a finished container): what was written after the
            // last poll is read from the artifacts claim, which holds the whole logdir.
            await t.stop();
            t.dispose();
            await this.readFromClaim(ended, f.claim);
            return;
          }
          // Not on a claim: one last read, while the pod may still answer.
          const findings = await t.finish().catch((err: unknown) => {
            this.log.debug(`TensorBoard scalars of ${id}: the last read failed: ${messageOf(err)}`);
            return [];
          });
          for (const x of findings) this.log.warn(`TensorBoard scalars of ${id}: ${x.message}`);
          t.dispose();
        });
        this.ending.add(done);
        void done.finally(() => this.ending.delete(done));
      }
    for (const [id, e] of running)
      if (!this.followed.has(id)) {
        const f: Followed = { follower: Promise.resolve(undefined) };
        this.followed.set(id, f);
        (f as { follower: Promise<TensorBoardFollower | undefined> }).follower = this.start(e, f);
      }
  }

  /** Resolves when the runs that ended have had their last read (tests). */
  async settled(): Promise<void> {
    while (this.ending.size) await Promise.all([...this.ending]);
  }

  private async readFromClaim(e: RunEntry, where: { claim: string; path: string }): Promise<void> {
    const c = this.cluster();
    if (!c || this.isDisposed) return;
    try {
      const r = await readRunFromClaim(c.kc, c.client, new RunStore(e.folder), e.id, e.record.namespace, where);
      this.log.info(`Read ${r.metrics.length} TensorBoard scalars of ${e.id} from ${r.files} event file(s) on claim ${where.claim}.`);
      for (const x of r.findings) this.log.warn(`TensorBoard scalars of ${e.id}: ${x.message}`);
    } catch (err) {
      this.log.warn(
        `TensorBoard scalars of ${e.id}: reading them from claim ${where.claim} failed (${messageOf(err)}); those read while it ran are kept.`,
      );
    }
  }

  private async start(e: RunEntry, f: Followed): Promise<TensorBoardFollower | undefined> {
    const kc = this.cluster()?.kc;
    if (!kc) return undefined;
    try {
      const text = await fs.readFile(join(e.folder, SPEC_FILE), 'utf8').catch(() => undefined);
      if (text === undefined) return undefined;
      const spec = loadSpec(text, join(e.folder, SPEC_FILE));
      const logdir = runLogdir(spec, e.id);
      f.claim = claimLogdir(spec, e.id);
      const pod = { namespace: e.record.namespace, name: e.record.pods![0]!, container: e.record.container };
      const follower = await followRunPod(kc, new RunStore(e.folder), e.id, pod, logdir, {
        intervalMs: this.intervalMs,
        onFinding: (f) => this.log.warn(`TensorBoard scalars of ${e.id}: ${f.message}`),
        onError: (err) => this.log.debug(`TensorBoard scalars of ${e.id}: ${messageOf(err)}`),
      });
      if (!this.followed.has(e.id) || this.isDisposed) {
        follower.dispose();
        return undefined;
      }
      follower.start();
      this.log.info(`Following the TensorBoard event files of ${e.id} under ${logdir}.`);
      return follower;
    } catch (err) {
      // kubeml.yaml changed since, or is not valid: the KUBEML_RESULT metrics still come.
      this.log.warn(`Not following the TensorBoard event files of ${e.id}: ${messageOf(err)}`);
      return undefined;
    }
  }

  private stopAll(): void {
    for (const f of this.followed.values()) void f.follower.then((t) => t?.dispose());
    this.followed.clear();
  }
}

/** Keeps `tb` on the index's running runs: now, and after each change (coalesced). */
export function followRunning(index: RunIndex, tb: TensorBoardRuns, delayMs = 200): { dispose(): void } {
  let timer: NodeJS.Timeout | undefined;
  let disposed = false;
  const run = () => {
    timer = undefined;
    void index.list().then(
      ({ entries }) => disposed || tb.update(entries),
      () => undefined,
    );
  };
  const sub = index.onDidChange(() => {
    timer ??= setTimeout(run, delayMs);
  });
  run();
  return {
    dispose: () => {
      disposed = true;
      clearTimeout(timer);
      sub.dispose();
    },
  };
}
