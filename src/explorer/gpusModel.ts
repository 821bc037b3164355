import { type KubeObject, type ObjectChange } from '../cluster/read/informerState';
import { type NamespaceList } from '../cluster/read/informerRegistry';
import { type ResourceKindId } from '../cluster/resources';
import { matchesFilter } from './rows/common';
import {
  clusterSummaryRow,
  metricsNoteRow,
  gpuNodeInfo,
  gpuNodeRow,
  gpuPodRow,
  isGpuNode,
  podGpus,
  productRow,
  summarizeProducts,
  type GpuHolder,
  type GpuMetrics,
  type GpuNodeInfo,
} from './rows/gpus';
import { type ExplorerNode, type ModelDeps, TreeModel } from './model';

export interface GpuMetricsSource {
  get(node: string): GpuMetrics | undefined;
  /** The last failure reading metrics, shown as a note row. */
  readonly error?: { userMessage: string };
}

/**
 * A cluster summary, one group per GPU product, the nodes with GPU capacity under it, and under
 * each node the pods holding its GPUs. Allocation counts the requests of every non-terminated pod
 * of the node, in all namespaces; utilisation and memory are DCGM's measurements, aggregated per
 * node and per product by the same function (aggregateGpus).
 */
export class GpusModel extends TreeModel {
  private readonly gpuNodes = new Map<string, KubeObject>();
  private readonly infos = new Map<string, GpuNodeInfo>();
  /** node name -> pod key -> GPUs held. */
  private readonly holders = new Map<string, Map<string, number>>();
  metrics: GpuMetricsSource | undefined;
  private noteShown = false;

  constructor(deps: ModelDeps) {
    super(deps);
  }

  protected kinds(): ResourceKindId[] {
    return ['nodes', 'pods'];
  }

  /** Allocation is a property of the node: count pods of every namespace. */
  protected override scopeFor(_id: ResourceKindId): NamespaceList {
    return undefined;
  }

  protected rebuild(): void {
    this.gpuNodes.clear();
    this.infos.clear();
    this.holders.clear();
    const pods = this.cache('pods');
    if (pods) for (const p of pods.values()) this.hold(p, true);
    const nodes = this.cache('nodes');
    if (nodes) for (const n of nodes.values()) if (isGpuNode(n)) this.gpuNodes.set(n.metadata.name, n);
    for (const name of this.gpuNodes.keys()) this.refreshInfo(name);
  }

  private nodeRow(info: GpuNodeInfo) {
    const holders: GpuHolder[] = [...(this.holders.get(info.name) ?? [])]
      .map(([key, gpus]) => {
        const [namespace, name] = key.split('/') as [string, string];
        return { namespace, name, gpus };
      })
      .sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
    return gpuNodeRow(info, this.metrics?.get(info.name), holders);
  }

  private summaries() {
    return summarizeProducts(this.infos.values(), (n) => this.metrics?.get(n));
  }

  private allocated(node: string): number {
    let n = 0;
    for (const g of this.holders.get(node)?.values() ?? []) n += g;
    return n;
  }

  private refreshInfo(name: string): GpuNodeInfo | undefined {
    const node = this.gpuNodes.get(name);
    if (!node) {
      this.infos.delete(name);
      return undefined;
    }
    const info = gpuNodeInfo(node, this.allocated(name));
    this.infos.set(name, info);
    return info;
  }

  /** Records (or forgets) the GPUs a pod holds; returns the node name when it holds any. */
  private hold(pod: KubeObject, add: boolean): string | undefined {
    const gpus = podGpus(pod);
    const nodeName = (pod.spec as { nodeName?: string } | undefined)?.nodeName;
    if (!nodeName || gpus === 0) return undefined;
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    let m = this.holders.get(nodeName);
    if (add) {
      if (!m) this.holders.set(nodeName, (m = new Map()));
      m.set(key, gpus);
    } else if (m) {
      m.delete(key);
      if (m.size === 0) this.holders.delete(nodeName);
    }
    return nodeName;
  }

  protected apply(id: ResourceKindId, changes: ObjectChange[]): ExplorerNode[] | 'root' {
    const touched = new Set<string>();
    let structural = false;
    if (id === 'nodes') {
      for (const c of changes) {
        const name = (c.object ?? c.old!).metadata.name;
        const before = this.infos.get(name);
        if (c.object && isGpuNode(c.object)) this.gpuNodes.set(name, c.object);
        else this.gpuNodes.delete(name);
        const after = this.refreshInfo(name);
        if (!before && !after) continue; // not a GPU node, before or after: not in this view
        if (!before || !after || before.product !== after.product) structural = true;
        touched.add(name);
      }
    } else if (id === 'pods') {
      for (const c of changes) {
        const a = c.old ? this.hold(c.old, false) : undefined;
        const b = c.object ? this.hold(c.object, true) : undefined;
        for (const n of [a, b]) if (n && this.gpuNodes.has(n)) touched.add(n);
      }
      for (const n of touched) this.refreshInfo(n);
    }
    if (structural) return 'root';
    if (touched.size === 0) return [];
    const out: ExplorerNode[] = [];
    const products = new Set<string>();
    for (const name of touched) {
      const info = this.infos.get(name);
      if (!info) continue;
      products.add(info.product);
      const n = this.existing(`node:${name}`);
      if (n) {
        n.row = this.nodeRow(info);
        out.push(n);
      }
    }
    const summaries = this.summaries();
    const summary = this.existing('summary');
    if (summary) {
      summary.row = clusterSummaryRow(summaries);
      out.push(summary);
    }
    for (const s of summaries) {
      if (!products.has(s.product)) continue;
      const g = this.existing(`product:${s.product}`);
      // Refresh a product row only when its numbers moved.
      if (g && g.row.description !== productRow(s).description) {
        g.row = productRow(s);
        out.push(g);
      }
    }
    return out;
  }

  protected buildRoots(): ExplorerNode[] {
    const summaries = this.summaries();
    if (summaries.length === 0) return [];
    const note = this.metrics?.error ? [this.node('metrics-note', metricsNoteRow(this.metrics.error.userMessage))] : [];
    this.noteShown = note.length > 0;
    return [
      this.node('summary', clusterSummaryRow(summaries)),
      ...note,
      ...summaries.map((s) => this.node(`product:${s.product}`, productRow(s), (n) => (n.data = { product: s.product }))),
    ];
  }

  protected buildChildren(node: ExplorerNode): ExplorerNode[] {
    if (node.id.startsWith('product:')) {
      const product = node.data!.product as string;
      return [...this.infos.values()]
        .filter((i) => i.product === product && matchesFilter(i.name, this.filter))
        .sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }))
        .map((i) =>
          this.node(`node:${i.name}`, this.nodeRow(i), (n) => {
            n.kindId = 'nodes';
            n.name = i.name;
          }),
        );
    }
    if (node.id.startsWith('node:')) {
      const pods = this.cache('pods');
      const now = this.now();
      const keys = [...(this.holders.get(node.name!)?.keys() ?? [])].sort();
      return keys
        .map((k) => pods?.get(k))
        .filter((p): p is KubeObject => !!p)
        .map((p) => {
          const n = this.podNode(`gpupod:${p.metadata.namespace}/${p.metadata.name}`, p, now);
          n.row = gpuPodRow(p, now, this.metrics?.get(node.name!));
          return n;
        });
    }
    return [];
  }

  /** Node infos (for tests and the benchmark). */
  nodeInfos(): GpuNodeInfo[] {
    return [...this.infos.values()];
  }

  /** Fires a refresh of every node row (new metrics arrived). */
  refreshMetrics(): void {
    const hasNote = !!this.metrics?.error;
    // The note row appears or goes away: the root list changes.
    if (hasNote !== this.noteShown) return this.fire(undefined);
    const out: ExplorerNode[] = [];
    const note = this.existing('metrics-note');
    if (note && this.metrics?.error) {
      note.row = metricsNoteRow(this.metrics.error.userMessage);
      out.push(note);
    }
    for (const [name, info] of this.infos) {
      const n = this.existing(`node:${name}`);
      if (n) {
        n.row = this.nodeRow(info);
        out.push(n);
      }
    }
    // Products and the summary average the same measurements; pods show the GPU index DCGM gives them.
    const summaries = this.summaries();
    const summary = this.existing('summary');
    if (summary) {
      summary.row = clusterSummaryRow(summaries);
      out.push(summary);
    }
    for (const s of summaries) {
      const g = this.existing(`product:${s.product}`);
      if (g && g.row.description !== productRow(s).description) {
        g.row = productRow(s);
        out.push(g);
      }
    }
    const pods = this.cache('pods');
    const now = this.now();
    for (const [node, held] of this.holders) {
      for (const key of held.keys()) {
        const n = this.existing(`gpupod:${key}`);
        const p = pods?.get(key);
        if (!n || !p) continue;
        const row = gpuPodRow(p, now, this.metrics?.get(node));
        if (row.description !== n.row.description || row.tooltip !== n.row.tooltip) {
          n.row = row;
          out.push(n);
        }
      }
    }
    if (out.length) this.fire(out);
  }
}
