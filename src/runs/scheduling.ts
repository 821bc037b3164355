/**
 * What to change when the scheduler refuses a run's pod: the FailedScheduling message
 * ("0/7 nodes are available: 1 Insufficient nvidia.com/gpu, 6 node(s) had untolerated taint
 * {nvidia.com/gpu: }. preemption: ...") split into its reasons, each turned into advice.
 * Pure: the pod's own spec says what the run asked for.
 */
import { explainPending, parseFitMessage } from '../model/pending';

/**
 * KWOK's convention for simulated nodes (its docs and KubeML's local fleet label them type=kwok):
 * they have no kubelet, so a run's code could never start there. GPU runs, which tolerate the GPU
 * taint that keeps other pods off such nodes, keep off them with this node affinity.
 */
export const SIMULATED_NODE_LABEL = { key: 'type', value: 'kwok' } as const;

export function avoidSimulatedNodes(): Record<string, unknown> {
  return {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [
          { matchExpressions: [{ key: SIMULATED_NODE_LABEL.key, operator: 'NotIn', values: [SIMULATED_NODE_LABEL.value] }] },
        ],
      },
    },
  };
}

export interface ScheduledSpec {
  nodeSelector?: Record<string, string>;
  tolerations?: Array<{ key?: string }>;
  affinity?: unknown;
  containers?: Array<{ name?: string; resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> } }>;
}

/** Whether the pod asks for NVIDIA GPUs (any container, request or limit); unknown without its containers. */
function asksForGpus(spec: ScheduledSpec | undefined): boolean | undefined {
  if (!spec?.containers?.length) return undefined;
  return spec.containers.some((c) => Number(c.resources?.limits?.['nvidia.com/gpu'] ?? c.resources?.requests?.['nvidia.com/gpu'] ?? 0) > 0);
}

export interface SchedulingReason {
  readonly nodes: number;
  readonly text: string;
}

/**
 * The "N reason" parts of the message's first sentence (the preemption part repeats them), as the pending
 * explanation parses them (model/pending: kube-scheduler's FitError format; a PreFilter reason counts every node).
 */
export function schedulingReasons(message: string): SchedulingReason[] {
  return (parseFitMessage(message)?.reasons ?? []).map((r) => ({ nodes: r.nodes, text: r.text }));
}

function hasSimulatedAvoidance(spec: ScheduledSpec | undefined): boolean {
  return JSON.stringify(spec?.affinity ?? null).includes(`"values":["${SIMULATED_NODE_LABEL.value}"]`);
}

/** One hint: what to change in kubeml.yaml (or the cluster), reason by reason, most specific first. */
export function schedulingHint(message: string, spec?: ScheduledSpec): string {
  const reasons = schedulingReasons(message);
  const advice: string[] = [];
  const gpuTaint = reasons.find((r) => /untolerated taint\s*\{nvidia\.com\/gpu/.test(r.text));
  if (gpuTaint && asksForGpus(spec) === false)
    // Those nodes are kept for GPU work: not a thing to change for a run that asks for none.
    advice.push(
      `${gpuTaint.nodes} GPU node(s) are kept for GPU work (taint nvidia.com/gpu) and this run asks for no GPU: it runs on the other nodes.`,
    );
  else if (gpuTaint)
    advice.push(
      `${gpuTaint.nodes} GPU node(s) carry the nvidia.com/gpu taint and this run does not tolerate it: remove "tolerateGpuTaint: false" from kubeml.yaml (GPU runs tolerate it by default).`,
    );
  const otherTaints = reasons.filter((r) => r !== gpuTaint && /untolerated taint/.test(r.text));
  for (const r of otherTaints)
    advice.push(`${r.nodes} node(s) have a taint the run does not tolerate (${r.text.replace(/^.*untolerated taint\s*/, '')}).`);
  const affinity = reasons.find((r) => /didn't match Pod's node affinity\/selector/.test(r.text));
  if (affinity) {
    const product = spec?.nodeSelector?.['nvidia.com/gpu.product'];
    const why = [
      ...(hasSimulatedAvoidance(spec) ? ["simulated (KWOK) nodes, which never run a run's code"] : []),
      ...(product ? [`nodes without gpuProduct ${product}`] : []),
    ];
    advice.push(
      `${affinity.nodes} node(s) are ruled out by the run's node selection${why.length ? ` (${why.join('; ')})` : ''}${
        hasSimulatedAvoidance(spec)
          ? ": on KubeML's local cluster only the real node runs code, and it has no GPU, so run with gpus: 0 there"
          : ''
      }.`,
    );
  }
  const gpuShort = reasons.find((r) => /Insufficient (nvidia\.com|amd\.com|gpu\.intel\.com)\//.test(r.text));
  if (gpuShort)
    advice.push(
      `${gpuShort.nodes} node(s) lack that many free GPUs: ask for fewer gpus (the GPUs view shows what is free), or set waitForResources: true to wait for capacity.`,
    );
  const short = reasons.filter((r) => r !== gpuShort && /^Insufficient /.test(r.text));
  if (short.length)
    advice.push(
      `${short.map((r) => `${r.nodes} node(s): ${r.text}`).join(', ')}: lower cpu/memory in kubeml.yaml, or set waitForResources: true.`,
    );
  if (reasons.some((r) => /unbound|volume node affinity|PersistentVolumeClaim/i.test(r.text)))
    advice.push('A claim cannot be bound or used on these nodes: check the datasets and artifacts claims exist and are bound.');
  // Reasons no advice above covers (cordoned nodes, pod affinity, ports, ...): the pending explanation's words
  // for them, so that none is dropped.
  const uncovered = (parseFitMessage(message)?.reasons ?? []).filter((r) => r.kind === 'other' || r.kind === 'unschedulable');
  if (uncovered.length) {
    const why = explainPending({
      pods: [{ metadata: { name: 'run' }, status: { conditions: [{ type: 'PodScheduled', status: 'False', message }] } }],
    });
    for (const d of why.details)
      if (uncovered.some((r) => d.endsWith(r.text) || d.includes('cordoned'))) advice.push(`${d.replace(/\.$/, '')}.`);
  }
  if (advice.length) return advice.join(' ');
  return /gpu/i.test(message)
    ? 'Ask for fewer GPUs or another gpuProduct in kubeml.yaml (the GPUs view shows what is free), or set waitForResources: true to wait for capacity.'
    : 'Lower resources in kubeml.yaml, check the claims exist, or set waitForResources: true to wait for capacity.';
}
