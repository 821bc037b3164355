import { type KubeObject } from '../../cluster/read/informerState';
import { GPU_RESOURCE, intQuantity, md, podSpecRequest, podTerminated, type PodSpecLike, type Row } from './common';
import { aggregateGpus, allocationText, gb, type GpuMetrics, type GpuUsage, measuredTexts, podDevices, usageTooltip } from './gpuUsage';
import { podRow } from './jobs';

export type { GpuMetrics } from './gpuUsage';

export interface GpuNodeInfo {
  name: string;
  product: string;
  memoryMiB?: number;
  count: number;
  allocatable: number;
  allocated: number;
  mig: Array<{ profile: string; count: number }>;
  taints: string[];
  schedulable: boolean;
  ready: boolean;
}

interface NodeShape {
  spec?: { unschedulable?: boolean; taints?: Array<{ key: string; value?: string; effect: string }> };
  status?: {
    capacity?: Record<string, string>;
    allocatable?: Record<string, string>;
    conditions?: Array<{ type: string; status: string }>;
  };
}

const MIG_PREFIX = 'nvidia.com/mig-';

export function isGpuNode(node: KubeObject): boolean {
  const cap = (node as NodeShape).status?.capacity ?? {};
  return intQuantity(cap[GPU_RESOURCE]) > 0 || Object.entries(cap).some(([k, v]) => k.startsWith(MIG_PREFIX) && intQuantity(v) > 0);
}

/** GPUs a pod holds: its effective request, if it is scheduled and not finished. */
export function podGpus(pod: KubeObject): number {
  const spec = pod.spec as PodSpecLike | undefined;
  if (!spec?.nodeName || podTerminated(pod)) return 0;
  return podSpecRequest(spec);
}

export function gpuNodeInfo(node: KubeObject, allocated: number): GpuNodeInfo {
  const n = node as NodeShape;
  const l = node.metadata.labels ?? {};
  const cap = n.status?.capacity ?? {};
  const alloc = n.status?.allocatable ?? {};
  const mig = Object.entries(cap)
    .filter(([k, v]) => k.startsWith(MIG_PREFIX) && intQuantity(v) > 0)
    .map(([k, v]) => ({ profile: k.slice(MIG_PREFIX.length), count: intQuantity(v) }))
    .sort((a, b) => a.profile.localeCompare(b.profile));
  const memory = Number.parseInt(l['nvidia.com/gpu.memory'] ?? '', 10);
  return {
    name: node.metadata.name,
    product: l['nvidia.com/gpu.product'] ?? (mig.length > 0 ? 'MIG' : 'GPU'),
    memoryMiB: Number.isFinite(memory) ? memory : undefined,
    count: intQuantity(cap[GPU_RESOURCE]),
    allocatable: intQuantity(alloc[GPU_RESOURCE]),
    allocated,
    mig,
    taints: (n.spec?.taints ?? []).map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`),
    schedulable: !n.spec?.unschedulable,
    ready: (n.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
  };
}

/** A pod holding GPUs of a node: its GPU request (the pod spec). */
export interface GpuHolder {
  namespace: string;
  name: string;
  gpus: number;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** "team/train-0: 2 GPUs (GPU 0, 1)" for the node tooltip. */
function holderLine(h: GpuHolder, devices: Map<string, string[]>): string {
  const on = devices.get(`${h.namespace}/${h.name}`);
  return `- ${md(`${h.namespace}/${h.name}`)}: ${plural(h.gpus, 'GPU')} allocated${on ? ` (on GPU ${md(on.join(', '))}, from DCGM)` : ''}`;
}

export function gpuNodeRow(info: GpuNodeInfo, metrics?: GpuMetrics, holders: GpuHolder[] = []): Row {
  const u = aggregateGpus([{ alloc: info, metrics }]);
  const free = info.allocatable - info.allocated;
  const flags = [!info.ready ? 'NotReady' : undefined, !info.schedulable ? 'cordoned' : undefined].filter(Boolean);
  const devices = podDevices(metrics);
  const tooltip = [
    `**${md(info.name)}**`,
    '',
    ...usageTooltip(u),
    '',
    '| | |',
    '|---|---|',
    `| Product | ${md(info.product)} |`,
    info.memoryMiB !== undefined ? `| Memory per GPU | ${md(gb(info.memoryMiB))} |` : undefined,
    info.mig.length > 0 ? `| MIG devices | ${md(info.mig.map((m) => `${m.count}× ${m.profile}`).join(', '))} |` : undefined,
    `| Taints | ${md(info.taints.join(', ') || 'none')} |`,
    `| Schedulable | ${info.schedulable ? 'yes' : 'no (cordoned)'} |`,
    `| Ready | ${info.ready ? 'yes' : 'no'} |`,
    '',
    holders.length > 0 ? '**Pods holding GPUs** (count from the pod spec)' : 'No pod holds GPUs of this node.',
    '',
    ...holders.map((h) => holderLine(h, devices)),
  ]
    .filter((l) => l !== undefined)
    .join('\n')
    .trimEnd();
  return {
    label: info.name,
    description: [
      allocationText(u),
      info.product !== 'GPU' ? shortProduct(info.product) : undefined,
      info.mig.length > 0 ? `MIG ${info.mig.map((m) => `${m.count}×${m.profile}`).join(' ')}` : undefined,
      ...measuredTexts(u),
      ...flags,
    ]
      .filter(Boolean)
      .join(' · '),
    tooltip,
    icon:
      !info.ready || !info.schedulable
        ? { id: 'warning', color: 'list.warningForeground' }
        : free <= 0 && info.allocatable > 0
          ? { id: 'circle-filled', color: 'charts.orange' }
          : { id: 'circle-large-outline', color: 'charts.green' },
    contextValue: `kubeml.gpuNode${info.schedulable ? '' : '.cordoned'}`,
    collapsible: info.allocated > 0 ? 'collapsed' : 'none',
  };
}

/**
 * A pod under its GPU node: namespace, GPUs allocated (its request) and, when DCGM attributes
 * devices to pods, which GPU indices it holds; then the usual pod row (phase, rank, age).
 */
export function gpuPodRow(pod: KubeObject, now: number, metrics?: GpuMetrics): Row {
  const base = podRow(pod, now);
  const gpus = podGpus(pod);
  const on = podDevices(metrics).get(`${pod.metadata.namespace}/${pod.metadata.name}`);
  const spec = pod.spec as PodSpecLike | undefined;
  const rest = (base.description ?? '').split(' · ').filter((p) => p !== spec?.nodeName && !/^\d+ GPU$/.test(p));
  return {
    ...base,
    description: [pod.metadata.namespace, `${plural(gpus, 'GPU')} allocated`, on ? `GPU ${on.join(', ')}` : undefined, ...rest]
      .filter(Boolean)
      .join(' · '),
    tooltip: [
      base.tooltip,
      '',
      `- **${plural(gpus, 'GPU')} allocated**: the pod's nvidia.com/gpu request, held while it is scheduled and not finished.`,
      on
        ? `- **GPU ${md(on.join(', '))}**: the device index on the node DCGM attributes to this pod.`
        : '- **GPU index**: not known (DCGM reports no pod for this pod’s devices; dcgm-exporter’s Kubernetes pod mapping adds it).',
    ].join('\n'),
  };
}

/** A note under the cluster summary when DCGM metrics cannot be read (the rest of the view still works). */
export function metricsNoteRow(message: string): Row {
  return {
    label: 'GPU metrics unavailable',
    description: message,
    tooltip: `**GPU metrics unavailable**\n\n${md(message)}\n\nUtilisation and memory come from Prometheus (kubeml.prometheus.url); retried every 15 s while this view is visible.`,
    icon: { id: 'warning', color: 'list.warningForeground' },
    contextValue: 'kubeml.gpuMetricsError',
    collapsible: 'none',
  };
}

/** "NVIDIA-A100-SXM4-80GB" -> "A100-SXM4-80GB". */
export function shortProduct(product: string): string {
  return product.replace(/^NVIDIA[- ]/, '');
}

export interface ProductSummary extends GpuUsage {
  product: string;
}

/** One summary per product, aggregated by the same function as a node row (aggregateGpus). */
export function summarizeProducts(infos: Iterable<GpuNodeInfo>, metrics?: (node: string) => GpuMetrics | undefined): ProductSummary[] {
  const by = new Map<string, GpuNodeInfo[]>();
  for (const i of infos) by.set(i.product, [...(by.get(i.product) ?? []), i]);
  return [...by.entries()]
    .map(([product, list]) => ({ product, ...aggregateGpus(list.map((i) => ({ alloc: i, metrics: metrics?.(i.name) }))) }))
    .sort((a, b) => a.product.localeCompare(b.product));
}

function allocationColor(s: GpuUsage): string {
  const pct = s.allocatable > 0 ? (100 * s.allocated) / s.allocatable : 0;
  return pct >= 90 ? 'charts.red' : pct >= 60 ? 'charts.orange' : 'charts.green';
}

export function productRow(s: ProductSummary): Row {
  return {
    label: shortProduct(s.product),
    description: [allocationText(s), plural(s.nodes, 'node'), ...measuredTexts(s)].join(' · '),
    tooltip: [`**${md(s.product)}** on ${plural(s.nodes, 'node')}`, '', ...usageTooltip(s)].join('\n'),
    icon: { id: 'circuit-board', color: allocationColor(s) },
    contextValue: 'kubeml.gpuProduct',
    collapsible: 'collapsed',
  };
}

export function clusterSummaryRow(all: ProductSummary[]): Row {
  const allocated = all.reduce((n, s) => n + s.allocated, 0);
  const total = all.reduce((n, s) => n + s.allocatable, 0);
  const nodes = all.reduce((n, s) => n + s.nodes, 0);
  const devices = all.reduce((n, s) => n + s.utilDevices, 0);
  const util = devices > 0 ? all.reduce((n, s) => n + (s.utilPercent ?? 0) * s.utilDevices, 0) / devices : undefined;
  return {
    label: 'Cluster',
    description: [
      `${allocated}/${total} allocated`,
      `${nodes} GPU nodes`,
      util !== undefined ? `util ${Math.round(util)}% (measured)` : undefined,
    ]
      .filter(Boolean)
      .join(' · '),
    tooltip: [
      '**Cluster**',
      '',
      ...all.map((s) => `- ${md(s.product)}: ${[allocationText(s), ...measuredTexts(s)].map(md).join(' · ')}`),
      '',
      '*Allocated*: GPUs requested by pods (the scheduler’s view). *util (measured)*: DCGM utilisation, mean per GPU. *mem*: DCGM framebuffer memory used, mean per GPU.',
    ].join('\n'),
    icon: { id: 'dashboard' },
    contextValue: 'kubeml.gpuSummary',
    collapsible: 'none',
  };
}
