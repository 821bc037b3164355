import { type KubeObject, type ObjectChange } from '../cluster/read/informerState';
import { type ResourceKindId } from '../cluster/resources';
import { matchesFilter } from './rows/common';
import {
  MODEL_LABEL,
  deploymentRow,
  inferenceServiceDetailRows,
  inferenceServiceInfo,
  inferenceServiceRow,
  isModelDeployment,
  selects,
} from './rows/models';
import { type ExplorerNode, TreeModel } from './model';

/** KServe InferenceServices (when served) and Deployments labelled kubeml.io/model. */
export class ModelsModel extends TreeModel {
  protected kinds(): ResourceKindId[] {
    return ['inferenceServices', 'deployments', 'pods'];
  }

  protected rebuild(): void {
    // Nothing to index: the caches are small and read directly.
  }

  protected apply(id: ResourceKindId, changes: ObjectChange[]): ExplorerNode[] | 'root' {
    const now = this.now();
    if (id === 'inferenceServices' || id === 'deployments') {
      const out: ExplorerNode[] = [];
      for (const c of changes) {
        const relevant = (o: KubeObject | undefined) => !!o && (id === 'inferenceServices' || isModelDeployment(o));
        if (relevant(c.old) !== relevant(c.object)) return 'root';
        if (!relevant(c.object)) continue;
        const o = c.object!;
        const n = this.existing(`${id}:${o.metadata.namespace}/${o.metadata.name}`);
        if (n) {
          n.row = this.rowOf(id, o, now);
          // Commands read the URL from the node: keep it current (KServe sets it once the service is ready).
          n.data = this.dataOf(id, o);
          out.push(n);
        }
      }
      return out;
    }
    if (id === 'pods') {
      const deps = [...(this.cache('deployments')?.values() ?? [])].filter(isModelDeployment);
      const out: ExplorerNode[] = [];
      for (const c of changes) {
        for (const d of deps) {
          if ((c.old && selects(d, c.old)) || (c.object && selects(d, c.object))) {
            const n = this.existing(`deployments:${d.metadata.namespace}/${d.metadata.name}`);
            if (n) out.push(n);
          }
        }
      }
      return out;
    }
    return [];
  }

  /** What commands read from a model's row: an InferenceService's URL and storageUri, a Deployment's kubeml.io/model label. */
  private dataOf(id: 'inferenceServices' | 'deployments', o: KubeObject): Record<string, unknown> {
    if (id === 'deployments') return { model: o.metadata.labels?.[MODEL_LABEL] };
    const i = inferenceServiceInfo(o);
    return { url: i.url, storageUri: i.storageUri };
  }

  private rowOf(id: 'inferenceServices' | 'deployments', o: KubeObject, now: number) {
    return id === 'inferenceServices'
      ? inferenceServiceRow(inferenceServiceInfo(o), this.showNamespace, now, o.metadata.creationTimestamp)
      : deploymentRow(o, this.showNamespace, now);
  }

  protected buildRoots(): ExplorerNode[] {
    const now = this.now();
    const byName = (a: KubeObject, b: KubeObject) =>
      (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') || a.metadata.name.localeCompare(b.metadata.name);
    const isvcs = [...(this.cache('inferenceServices')?.values() ?? [])]
      .filter((o) => matchesFilter(o.metadata.name, this.filter))
      .sort(byName);
    const deps = [...(this.cache('deployments')?.values() ?? [])]
      .filter((o) => isModelDeployment(o) && matchesFilter(o.metadata.name, this.filter))
      .sort(byName);
    const mk = (id: 'inferenceServices' | 'deployments', o: KubeObject) =>
      this.node(`${id}:${o.metadata.namespace}/${o.metadata.name}`, this.rowOf(id, o, now), (n) => {
        n.kindId = id;
        n.namespace = o.metadata.namespace;
        n.name = o.metadata.name;
        n.data = this.dataOf(id, o);
      });
    return [...isvcs.map((o) => mk('inferenceServices', o)), ...deps.map((o) => mk('deployments', o))];
  }

  protected override emptyText(where: string): string {
    const kserve = this.hasKind('inferenceServices')
      ? 'KServe InferenceServices'
      : 'KServe InferenceServices (KServe is not installed in this cluster)';
    return `No model is served in ${where}. This view lists ${kserve} and Deployments labelled ${MODEL_LABEL}.`;
  }

  /**
   * The pods behind a model: those a Deployment selects, or those KServe labels with an
   * InferenceService's name (its predictor, transformer and explainer), by name.
   */
  podsOf(kindId: ResourceKindId, namespace: string, name: string): KubeObject[] {
    const pods = [...(this.cache('pods')?.values() ?? [])].filter((p) => p.metadata.namespace === namespace);
    let out: KubeObject[] = [];
    if (kindId === 'deployments') {
      const d = this.cache('deployments')?.get(`${namespace}/${name}`);
      out = d ? pods.filter((p) => selects(d, p)) : [];
    } else if (kindId === 'inferenceServices') {
      out = pods.filter((p) => p.metadata.labels?.['serving.kserve.io/inferenceservice'] === name);
    }
    return out.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  }

  protected buildChildren(node: ExplorerNode): ExplorerNode[] {
    const key = `${node.namespace}/${node.name}`;
    if (node.kindId === 'inferenceServices') {
      const o = this.cache('inferenceServices')?.get(key);
      if (!o) return [];
      return inferenceServiceDetailRows(inferenceServiceInfo(o)).map((d) => this.node(`${node.id}>${d.id}`, d.row));
    }
    if (node.kindId === 'deployments') {
      const d = this.cache('deployments')?.get(key);
      if (!d) return [];
      const now = this.now();
      return [...(this.cache('pods')?.values() ?? [])]
        .filter((p) => selects(d, p))
        .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))
        .map((p) => {
          return this.podNode(`${node.id}>pod:${p.metadata.name}`, p, now);
        });
    }
    return [];
  }
}
