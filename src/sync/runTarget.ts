import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { RunStore } from '../model/runRecords';
import { parseSpec, SPEC_FILE } from '../model/runSpec';

/**
 * Start Sync on a pod of a KubeML run proposes the run's code path, not kubeml.sync.remoteFolder
 * (issue #18): the run unpacked the workspace there and runs from it. Node only.
 */

/** The labels a run puts on its pods (runs/generate.ts: features do not import each other). */
export const RUN_LABEL = 'kubeml.io/run';
const NAME_LABEL = 'kubeml.io/name';
/** The env variable and the volume through which a run's container gets its code path. */
const CODE_ENV = 'KUBEML_CODE';
const CODE_VOLUME = 'kubeml-code';

export interface RunPodJson {
  metadata?: { labels?: Record<string, string> };
  spec?: {
    containers?: Array<{
      name: string;
      env?: Array<{ name: string; value?: string }>;
      volumeMounts?: Array<{ name: string; mountPath: string }>;
    }>;
  };
}

export interface RunCodeTarget {
  readonly runId: string;
  readonly codePath: string;
  /** Where the path was read: the pod itself, or the workspace's kubeml.yaml. */
  readonly from: 'pod' | 'kubeml.yaml';
}

/**
 * The code path of a run's pod: what the run gave its container (KUBEML_CODE, the kubeml-code
 * mount), else the codePath of `workspace`'s kubeml.yaml when the run is this workspace's (its
 * record in .kubeml/runs/<id>/run.json, or the same name). Undefined for a pod of no run.
 */
export async function runCodeTarget(
  pod: RunPodJson,
  container: string | undefined,
  workspace?: string,
): Promise<RunCodeTarget | undefined> {
  const labels = pod.metadata?.labels ?? {};
  const runId = labels[RUN_LABEL];
  if (!runId) return undefined;
  const containers = pod.spec?.containers ?? [];
  const c = containers.find((x) => x.name === container) ?? containers[0];
  const fromPod =
    c?.env?.find((e) => e.name === CODE_ENV && e.value)?.value ?? c?.volumeMounts?.find((m) => m.name === CODE_VOLUME)?.mountPath;
  if (fromPod) return { runId, codePath: fromPod, from: 'pod' };
  if (!workspace) return undefined;
  const text = await fs.readFile(join(workspace, SPEC_FILE), 'utf8').catch(() => undefined);
  const spec = text === undefined ? undefined : parseSpec(text).spec;
  if (!spec) return undefined;
  const record = await new RunStore(workspace).get(runId).catch(() => undefined);
  if (!record && labels[NAME_LABEL] !== spec.name) return undefined;
  return { runId, codePath: spec.codePath, from: 'kubeml.yaml' };
}
