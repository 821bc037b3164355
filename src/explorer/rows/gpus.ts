import { type KubeObject } from '../../cluster/read/informerState';
import { GPU_RESOURCE, intQuantity, md, podSpecRequest, podTerminated, type PodSpecLike, type Row } from './common';

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

/** Live utilisation of a node's GPUs (DCGM metrics through Prometheus), when configured. */
export interface GpuMetrics {
  /** Mean utilisation in percent over the node's GPUs. */
  utilPercent?: number;
  /** Frame buffer used, MiB (sum over the node's GPUs). */
  fbUsedMiB?: number;
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

function gib(mib: number | undefined): string | undefined {
  return mib === undefined ? undefined : `${Math.round(mib / 1024)} GB`;
}

export function gpuNodeRow(info: GpuNodeInfo, metrics?: GpuMetrics): Row {
  const free = info.allocatable - info.allocated;
  const flags = [!info.ready ? 'NotReady' : undefined, !info.schedulable ? 'cordoned' : undefined].filter(Boolean);
  const util = metrics?.utilPercent !== undefined ? `${Math.round(metrics.utilPercent)}% util` : undefined;
  const used = metrics?.fbUsedMiB !== undefined ? `${gib(metrics.fbUsedMiB)} used` : undefined;
  const tooltip = [
    `**${md(info.name)}**`,
    '',
    '| | |',
    '|---|---|',
    `| Product | ${md(info.product)} |`,
    info.memoryMiB !== undefined ? `| Memory per GPU | ${md(gib(info.memoryMiB))} |` : '',
    `| GPUs (capacity) | ${info.count} |`,
    `| Allocatable | ${info.allocatable} |`,
    `| Allocated | ${info.allocated} |`,
    info.mig.length > 0 ? `| MIG devices | ${md(info.mig.map((m) => `${m.count}× ${m.profile}`).join(', '))} |` : '',
    `| Taints | ${md(info.taints.join(', ') || 'none')} |`,
    `| Schedulable | ${info.schedulable ? 'yes' : 'no (cordoned)'} |`,
    `| Ready | ${info.ready ? 'yes' : 'no'} |`,
    metrics?.utilPercent !== undefined ? `| Utilisation | ${Math.round(metrics.utilPercent)}% |` : '',
    metrics?.fbUsedMiB !== undefined ? `| Memory used | ${md(gib(metrics.fbUsedMiB))} |` : '',
  ]
    .filter((l) => l !== '')
    .join('\n');
  return {
    label: info.name,
    description: [
      `${info.allocated}/${info.allocatable} GPU`,
      info.product !== 'GPU' ? shortProduct(info.product) : undefined,
      info.mig.length > 0 ? `MIG ${info.mig.map((m) => `${m.count}×${m.profile}`).join(' ')}` : undefined,
      util,
      used,
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

export interface ProductSummary {
  product: string;
  nodes: number;
  total: number;
  allocatable: number;
  used: number;
}

export function summarizeProducts(infos: Iterable<GpuNodeInfo>): ProductSummary[] {
  const by = new Map<string, ProductSummary>();
  for (const i of infos) {
    const s = by.get(i.product) ?? { product: i.product, nodes: 0, total: 0, allocatable: 0, used: 0 };
    s.nodes++;
    s.total += i.count;
    s.allocatable += i.allocatable;
    s.used += i.allocated;
    by.set(i.product, s);
  }
  return [...by.values()].sort((a, b) => a.product.localeCompare(b.product));
}

export function productRow(s: ProductSummary): Row {
  const pct = s.allocatable > 0 ? Math.round((100 * s.used) / s.allocatable) : 0;
  return {
    label: shortProduct(s.product),
    description: `${s.used} / ${s.allocatable} GPUs used · ${s.nodes} node${s.nodes === 1 ? '' : 's'} · ${pct}%`,
    tooltip: `**${md(s.product)}**\n\n${s.used} of ${s.allocatable} allocatable GPUs requested by running pods (capacity ${s.total}) on ${s.nodes} nodes.`,
    icon: { id: 'circuit-board', color: pct >= 90 ? 'charts.red' : pct >= 60 ? 'charts.orange' : 'charts.green' },
    contextValue: 'kubeml.gpuProduct',
    collapsible: 'collapsed',
  };
}

export function clusterSummaryRow(all: ProductSummary[]): Row {
  const used = all.reduce((n, s) => n + s.used, 0);
  const total = all.reduce((n, s) => n + s.allocatable, 0);
  const nodes = all.reduce((n, s) => n + s.nodes, 0);
  return {
    label: 'Cluster',
    description: `${used} / ${total} GPUs used · ${nodes} GPU nodes`,
    tooltip: all.map((s) => `- ${md(s.product)}: ${s.used} / ${s.allocatable}`).join('\n'),
    icon: { id: 'dashboard' },
    contextValue: 'kubeml.gpuSummary',
    collapsible: 'none',
  };
}
