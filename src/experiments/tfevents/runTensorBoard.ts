/**
 * A run's TensorBoard event files: where they are (tensorboard.logdir in kubeml.yaml, else the
 * run's artifacts folder), following them in the run's pod while it runs, and reading them on the
 * artifacts claim once it has ended. Scalars go to .kubeml/runs/<id>/metrics.tensorboard.jsonl
 * (RunStore.readMetrics returns them with source: 'tensorboard'). Plain Node: no `vscode`.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeClient } from '../../cluster/client';
import { DEFAULT_CLAIM_POD_IMAGE, withClaimPod } from '../../cluster/stream/claimPod';
import { PodTransport, type PodRef } from '../../cluster/stream/transport';
import type { MetricResult } from '../../model/runResults';
import type { RunStore } from '../../model/runRecords';
import type { KubeMLSpec } from '../../model/runSpec';
import { TensorBoardFollower, type FollowerOptions } from './follower';
import type { TfFinding } from './reader';
import { ExecEventFiles } from './remote';

/** The run's artifacts folder when kubeml.yaml has no artifacts claim (src/runs/generate.ts: CONTROL_DIR/artifacts/<id>). */
const POD_ARTIFACTS = '/kubeml/artifacts';

/** The folder in the run's container that holds its event files (searched recursively). */
export function runLogdir(spec: Pick<KubeMLSpec, 'artifacts' | 'tensorboard'>, runId: string): string {
  const artifacts = spec.artifacts ? `${spec.artifacts.path.replace(/\/+$/, '')}/${runId}` : `${POD_ARTIFACTS}/${runId}`;
  if (!spec.tensorboard) return artifacts;
  const dir = spec.tensorboard.logdir.replace(/\{\{\s*run\s*\}\}/g, runId).replace(/\{\{\s*artifacts\s*\}\}/g, artifacts);
  return dir.replace(/\/{2,}/g, '/').replace(/(.)\/+$/, '$1');
}

/**
 * Where the logdir is on the artifacts claim, for a run that has ended: the claim, and the folder as
 * a claim pod sees it (/data/...). Undefined when the logdir is not on the artifacts claim (then the
 * files went away with the pod).
 */
export function claimLogdir(
  spec: Pick<KubeMLSpec, 'artifacts' | 'tensorboard'>,
  runId: string,
): { claim: string; path: string } | undefined {
  if (!spec.artifacts) return undefined;
  const dir = runLogdir(spec, runId);
  const mount = spec.artifacts.path.replace(/\/+$/, '');
  if (dir !== mount && !dir.startsWith(`${mount}/`)) return undefined;
  const rel = [spec.artifacts.subPath ?? '', dir.slice(mount.length)]
    .join('/')
    .replace(/\/{2,}/g, '/')
    .replace(/^\/|\/$/g, '');
  return { claim: spec.artifacts.claim, path: rel ? `/data/${rel}` : '/data' };
}

export interface RunFollowOptions extends Pick<FollowerOptions, 'intervalMs' | 'onFinding' | 'onError'> {
  /** New scalars as they are stored (for a live chart). */
  readonly onMetrics?: (metrics: MetricResult[]) => void;
}

/**
 * Follows the event files of a running run in its pod (`pod`: the run's pod and container) and
 * stores their scalars. It reads the files from their start, so metrics.tensorboard.jsonl is
 * replaced first (a follower started again after a reload gives no duplicates). Call `start()`;
 * when the run ends, `finish()` (a last read; findings) or `dispose()`.
 */
export async function followRunPod(
  kc: KubeConfig,
  store: RunStore,
  runId: string,
  pod: PodRef,
  logdir: string,
  opts: RunFollowOptions = {},
): Promise<TensorBoardFollower> {
  await store.writeTensorBoardMetrics(runId, []);
  return new TensorBoardFollower(new ExecEventFiles(new PodTransport(kc, pod), logdir), {
    intervalMs: opts.intervalMs,
    onFinding: opts.onFinding,
    onError: opts.onError,
    onMetrics: async (metrics) => {
      await store.appendTensorBoardMetrics(runId, metrics);
      opts.onMetrics?.(metrics);
    },
  });
}

/**
 * Reads the event files of a run that has ended from its artifacts claim (through a short-lived
 * read-only pod, deleted afterwards) and stores their scalars in place of what was there.
 */
export async function readRunFromClaim(
  kc: KubeConfig,
  client: KubeClient,
  store: RunStore,
  runId: string,
  namespace: string,
  where: { readonly claim: string; readonly path: string },
  opts: { readonly browseImage?: string; readonly signal?: AbortSignal; readonly onProgress?: (m: string) => void } = {},
): Promise<{ metrics: MetricResult[]; findings: TfFinding[]; files: number }> {
  const metrics: MetricResult[] = [];
  let files = 0;
  const findings = await withClaimPod(
    client,
    namespace,
    where.claim,
    opts.browseImage || DEFAULT_CLAIM_POD_IMAGE,
    async (pod) => {
      const follower = new TensorBoardFollower(new ExecEventFiles(new PodTransport(kc, pod), where.path), {
        onMetrics: (m) => void metrics.push(...m),
      });
      const found = await follower.finish(opts.signal);
      files = Object.keys(follower.offsets()).length;
      return found;
    },
    { signal: opts.signal, onProgress: opts.onProgress },
  );
  await store.writeTensorBoardMetrics(runId, metrics);
  return { metrics, findings, files };
}
