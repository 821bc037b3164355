/**
 * GPU numbers of the GPUs view, aggregated the same way for a node, a product and the cluster:
 * allocation is the scheduler's view (GPUs requested by pods), utilisation and memory are what
 * DCGM measured on the devices. The two are independent (allocated GPUs can idle, GPUs can be busy
 * with work Kubernetes does not know about), so every text says which one it is.
 */

/** One device (a GPU, or a MIG instance) as DCGM reports it. */
export interface GpuDevice {
  /** The GPU index on its node (dcgm-exporter's `gpu` label). */
  gpu: string;
  /** The MIG profile and instance id, for a MIG instance ("1g.10gb #1"). */
  mig?: string;
  /** DCGM_FI_DEV_GPU_UTIL: percent of the sample period a kernel was running. */
  utilPercent?: number;
  /** DCGM_FI_DEV_FB_USED, MiB. */
  fbUsedMiB?: number;
  /** DCGM_FI_DEV_FB_FREE, MiB (used + free is the device's memory). */
  fbFreeMiB?: number;
  /** The pod DCGM attributes the device to (dcgm-exporter's Kubernetes pod mapping), when it does. */
  namespace?: string;
  pod?: string;
}

/** Live measurements of one node's GPUs (DCGM metrics through Prometheus), when configured. */
export interface GpuMetrics {
  devices: GpuDevice[];
}

/** The allocation side of a node, from its Node object and its pods. */
export interface GpuAllocation {
  count: number;
  allocatable: number;
  allocated: number;
  /** Memory per GPU from the node's nvidia.com/gpu.memory label, MiB. */
  memoryMiB?: number;
}

export interface GpuUsage {
  nodes: number;
  /** nvidia.com/gpu capacity. */
  capacity: number;
  allocatable: number;
  /** GPUs requested by the non-terminated pods scheduled there. */
  allocated: number;
  /** Devices with a utilisation measurement, and their mean utilisation. */
  utilDevices: number;
  utilPercent?: number;
  /** Devices with a memory measurement, their mean memory used and mean memory size (MiB). */
  memDevices: number;
  memUsedMiB?: number;
  memTotalMiB?: number;
  /** Measured devices that are MIG instances (their sizes differ from a whole GPU's). */
  migDevices: number;
}

const mean = (xs: number[]): number | undefined => (xs.length > 0 ? xs.reduce((a, b) => a + b, 0) / xs.length : undefined);

/**
 * Sums allocation over the nodes and averages the measurements over their devices (a mean per
 * device, never a sum that reads like one device). A device's size is used + free when DCGM reports
 * both, else its node's memory label.
 */
export function aggregateGpus(parts: Iterable<{ alloc: GpuAllocation; metrics?: GpuMetrics }>): GpuUsage {
  const u: GpuUsage = { nodes: 0, capacity: 0, allocatable: 0, allocated: 0, utilDevices: 0, memDevices: 0, migDevices: 0 };
  const util: number[] = [];
  const used: number[] = [];
  const total: number[] = [];
  for (const { alloc, metrics } of parts) {
    u.nodes++;
    u.capacity += alloc.count;
    u.allocatable += alloc.allocatable;
    u.allocated += alloc.allocated;
    for (const d of metrics?.devices ?? []) {
      if (d.mig && (d.utilPercent !== undefined || d.fbUsedMiB !== undefined)) u.migDevices++;
      if (d.utilPercent !== undefined) util.push(d.utilPercent);
      if (d.fbUsedMiB === undefined) continue;
      used.push(d.fbUsedMiB);
      const size = d.fbFreeMiB !== undefined ? d.fbUsedMiB + d.fbFreeMiB : alloc.memoryMiB;
      if (size !== undefined) total.push(size);
    }
  }
  u.utilDevices = util.length;
  u.utilPercent = mean(util);
  u.memDevices = used.length;
  u.memUsedMiB = mean(used);
  u.memTotalMiB = mean(total);
  return u;
}

/** MiB as whole GB (GiB, as GPU product names count them: 81920 MiB is "80 GB"). */
export function gb(mib: number): string {
  return `${Math.round(mib / 1024)} GB`;
}

/** "2/8 allocated" (the scheduler's view). */
export function allocationText(u: GpuUsage): string {
  return `${u.allocated}/${u.allocatable} allocated`;
}

/** "GPU", or "device" when MIG instances are among the measured devices (a mean over mixed sizes). */
function unit(u: GpuUsage): string {
  return u.migDevices > 0 ? 'device' : 'GPU';
}

/** ["util 65% (measured)", "mem 51 GB/GPU avg of 80 GB"], or nothing without measurements. */
export function measuredTexts(u: GpuUsage): string[] {
  const out: string[] = [];
  if (u.utilPercent !== undefined) out.push(`util ${Math.round(u.utilPercent)}% (measured)`);
  if (u.memUsedMiB !== undefined)
    out.push(`mem ${gb(u.memUsedMiB)}/${unit(u)} avg${u.memTotalMiB !== undefined ? ` of ${gb(u.memTotalMiB)}` : ''}`);
  return out;
}

/** Markdown lines, one per term, explaining the numbers of a node, product or cluster row. */
export function usageTooltip(u: GpuUsage): string[] {
  const lines = [
    `- **Allocated ${u.allocated} of ${u.allocatable}**: GPUs requested (nvidia.com/gpu) by running and pending pods scheduled here, of those ${u.nodes === 1 ? 'the node offers' : 'the nodes offer'} to pods (capacity ${u.capacity}); the scheduler's view, not a measurement.`,
  ];
  if (u.utilPercent !== undefined)
    lines.push(
      `- **Utilisation ${Math.round(u.utilPercent)}% (measured)**: DCGM_FI_DEV_GPU_UTIL, the share of time a kernel ran, mean over ${u.utilDevices} measured ${unit(u)}${u.utilDevices === 1 ? '' : 's'}${u.migDevices > 0 ? ` (${u.migDevices} of them MIG instances)` : ''}.`,
    );
  if (u.memUsedMiB !== undefined)
    lines.push(
      `- **Memory ${gb(u.memUsedMiB)}/${unit(u)} avg${u.memTotalMiB !== undefined ? ` of ${gb(u.memTotalMiB)}` : ''}**: framebuffer memory used (DCGM_FI_DEV_FB_USED), mean per ${unit(u)} over ${u.memDevices} ${unit(u)}${u.memDevices === 1 ? '' : 's'}, of the memory of one ${unit(u)} (mean size).`,
    );
  if (u.utilPercent === undefined && u.memUsedMiB === undefined)
    lines.push('- **Utilisation, memory**: not measured (set kubeml.prometheus.url to a Prometheus scraping dcgm-exporter).');
  else
    lines.push(
      '- Allocation and measurements are independent: allocated GPUs can idle, and work outside Kubernetes pods can keep GPUs busy.',
    );
  return lines;
}

/** Which GPUs DCGM attributes to each pod ("namespace/name" -> ["0", "3"]). */
export function podDevices(metrics: GpuMetrics | undefined): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const d of metrics?.devices ?? []) {
    if (!d.pod || !d.namespace) continue;
    const key = `${d.namespace}/${d.pod}`;
    const name = d.mig ? `${d.gpu} (MIG ${d.mig})` : d.gpu;
    const list = out.get(key) ?? [];
    if (!list.includes(name)) list.push(name);
    out.set(key, list);
  }
  for (const list of out.values()) list.sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  return out;
}
