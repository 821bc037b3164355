import { type KubeObject, type ObjectChange } from '../cluster/read/informerState';
import { type ResourceKindId } from '../cluster/resources';
import { claimNamesIn, matchesFilter } from './rows/common';
import { claimInfo, claimRow, compareClaims, fluidRow } from './rows/datasets';
import { isOwnedJob, JOB_KINDS, jobRef, summarizeJob, jobRow, type JobKindId } from './rows/jobs';
import { type ExplorerNode, TreeModel } from './model';

type UserKind = 'pods' | JobKindId;
const USER_KINDS: readonly UserKind[] = ['pods', ...JOB_KINDS];

/**
 * PersistentVolumeClaims (those labelled kubeml.io/dataset first) and Fluid Datasets; the
 * children of each are the pods and jobs that mount its claim.
 */
export class DatasetsModel extends TreeModel {
  /** `${ns}/${claim}` -> user ids (`pods|ns/name`, `jobs|ns/name`, ...). */
  private readonly users = new Map<string, Set<string>>();

  protected kinds(): ResourceKindId[] {
    return ['pvcs', 'fluidDatasets', ...USER_KINDS];
  }

  protected override emptyText(where: string): string {
    return `No data set in ${where}. This view lists PersistentVolumeClaims (those labelled kubeml.io/dataset first) and Fluid Datasets.`;
  }

  private claimsOf(id: UserKind, o: KubeObject): string[] {
    if (id === 'jobs' && isOwnedJob(o)) return [];
    const ns = o.metadata.namespace ?? '';
    return [...claimNamesIn(o.spec)].map((c) => `${ns}/${c}`);
  }

  private index(id: UserKind, o: KubeObject, add: boolean): string[] {
    const user = `${id}|${o.metadata.namespace}/${o.metadata.name}`;
    const claims = this.claimsOf(id, o);
    for (const c of claims) {
      let set = this.users.get(c);
      if (add) {
        if (!set) this.users.set(c, (set = new Set()));
        set.add(user);
      } else if (set) {
        set.delete(user);
        if (set.size === 0) this.users.delete(c);
      }
    }
    return claims;
  }

  protected rebuild(): void {
    this.users.clear();
    for (const id of USER_KINDS) {
      const cache = this.cache(id);
      if (cache) for (const o of cache.values()) this.index(id, o, true);
    }
  }

  protected apply(id: ResourceKindId, changes: ObjectChange[]): ExplorerNode[] | 'root' {
    if (id === 'pvcs' || id === 'fluidDatasets') {
      const out: ExplorerNode[] = [];
      for (const c of changes) {
        if (!c.old || !c.object) return 'root';
        const n = this.existing(`${id}:${c.object.metadata.namespace}/${c.object.metadata.name}`);
        if (n) out.push(n);
      }
      this.refreshRows(out);
      return out;
    }
    if ((USER_KINDS as readonly string[]).includes(id)) {
      const claims = new Set<string>();
      for (const c of changes) {
        if (c.old) for (const k of this.index(id as UserKind, c.old, false)) claims.add(k);
        if (c.object) for (const k of this.index(id as UserKind, c.object, true)) claims.add(k);
      }
      const out: ExplorerNode[] = [];
      for (const k of claims) {
        for (const prefix of ['pvcs', 'fluidDatasets']) {
          const n = this.existing(`${prefix}:${k}`);
          if (n) out.push(n);
        }
      }
      this.refreshRows(out);
      return out;
    }
    return [];
  }

  private refreshRows(nodes: ExplorerNode[]): void {
    const now = this.now();
    for (const n of nodes) {
      const [prefix, key] = [n.id.slice(0, n.id.indexOf(':')), n.id.slice(n.id.indexOf(':') + 1)];
      const cache = this.cache(prefix as ResourceKindId);
      const o = cache?.get(key);
      if (o) n.row = this.rowOf(prefix as 'pvcs' | 'fluidDatasets', o, now);
    }
  }

  private usersOf(ns: string, claim: string): string[] {
    return [...(this.users.get(`${ns}/${claim}`) ?? [])].sort();
  }

  private rowOf(kindId: 'pvcs' | 'fluidDatasets', o: KubeObject, now: number) {
    const users = this.usersOf(o.metadata.namespace ?? '', o.metadata.name).length;
    return kindId === 'pvcs'
      ? claimRow(claimInfo(o), users, this.showNamespace, now, o.metadata.creationTimestamp)
      : fluidRow(o, users, this.showNamespace, now);
  }

  protected buildRoots(): ExplorerNode[] {
    const now = this.now();
    const pvcs = [...(this.cache('pvcs')?.values() ?? [])].filter((p) => matchesFilter(p.metadata.name, this.filter));
    const infos = pvcs.map((p) => ({ p, info: claimInfo(p) })).sort((a, b) => compareClaims(a.info, b.info));
    const fluid = [...(this.cache('fluidDatasets')?.values() ?? [])]
      .filter((d) => matchesFilter(d.metadata.name, this.filter))
      .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    const mk = (kindId: 'pvcs' | 'fluidDatasets', o: KubeObject) =>
      this.node(`${kindId}:${o.metadata.namespace}/${o.metadata.name}`, this.rowOf(kindId, o, now), (n) => {
        n.kindId = kindId;
        n.namespace = o.metadata.namespace;
        n.name = o.metadata.name;
        n.data = { claim: o.metadata.name };
      });
    const labelled = infos.filter((x) => x.info.dataset).map((x) => mk('pvcs', x.p));
    const others = infos.filter((x) => !x.info.dataset).map((x) => mk('pvcs', x.p));
    return [...labelled, ...fluid.map((d) => mk('fluidDatasets', d)), ...others];
  }

  protected buildChildren(node: ExplorerNode): ExplorerNode[] {
    if (!node.namespace || !node.name) return [];
    const now = this.now();
    const out: ExplorerNode[] = [];
    for (const user of this.usersOf(node.namespace, node.name)) {
      const [kindId, key] = user.split('|') as [UserKind, string];
      const o = this.cache(kindId)?.get(key);
      if (!o) continue;
      const id = `${node.id}>${user}`;
      if (kindId === 'pods') {
        out.push(this.podNode(id, o, now));
      } else {
        const s = summarizeJob(kindId, o);
        const row = { ...jobRow(s, now, this.showNamespace), collapsible: 'none' as const };
        out.push(
          this.node(id, row, (n) => {
            n.kindId = kindId;
            n.namespace = o.metadata.namespace;
            n.name = o.metadata.name;
            n.data = { ref: jobRef(kindId, o.metadata.namespace, o.metadata.name) };
          }),
        );
      }
    }
    return out;
  }
}
