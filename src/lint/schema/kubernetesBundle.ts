import { renameRefs, visitRefs, type CompactSchema, type CompactType } from './compact';

/**
 * Several Kubernetes versions' compact schemas in one file: a definition that is the same in every
 * version is stored once; one that changed keeps each variant, and a version names the variants it
 * uses (`pick`, only where it is not the first). Definitions are renamed to short ids shared by all
 * versions, so a reference means the same definition whichever variant the version picks.
 */
export interface KubernetesBundle {
  format: 1;
  /** Minor version ("1.33") -> its kinds, served kinds and picked variants. */
  versions: Record<string, BundledVersion>;
  /** Short id -> variants of the definition (the first is the default). */
  defs: Record<string, CompactType[]>;
  /** Every API group some bundled version serves: the groups the bundle speaks for in full. */
  groups: string[];
}

export interface BundledVersion {
  /** The release the schema was taken from: "v1.33.13". */
  release: string;
  kinds: Record<string, string>;
  served: string[];
  /** Definition id -> index of its variant, where not 0. */
  pick?: Record<string, number>;
}

export function buildKubernetesBundle(inputs: Array<{ minor: string; release: string; schema: CompactSchema }>): KubernetesBundle {
  // Distinct variants of each (long-named) definition, in version order.
  const variants = new Map<string, string[]>();
  const chosen = new Map<string, Map<string, number>>();
  const refCounts = new Map<string, number>();
  for (const { minor, schema } of inputs) {
    const picks = new Map<string, number>();
    for (const [name, t] of Object.entries(schema.defs)) {
      const text = JSON.stringify(t);
      let list = variants.get(name);
      if (!list) variants.set(name, (list = []));
      let i = list.indexOf(text);
      if (i < 0) {
        i = list.length;
        list.push(text);
        visitRefs(t, (r) => refCounts.set(r, (refCounts.get(r) ?? 0) + 1));
      }
      picks.set(name, i);
    }
    chosen.set(minor, picks);
  }
  const names = [...variants.keys()].sort((a, b) => (refCounts.get(b) ?? 0) - (refCounts.get(a) ?? 0) || a.localeCompare(b));
  const ids = new Map(names.map((n, i) => [n, i.toString(36)]));
  const rename = (t: CompactType) => renameRefs(t, ids);
  const defs: Record<string, CompactType[]> = {};
  for (const n of names) defs[ids.get(n)!] = variants.get(n)!.map((text) => rename(JSON.parse(text) as CompactType));
  const versions: Record<string, BundledVersion> = {};
  const groups = new Set<string>(['']);
  for (const { minor, release, schema } of inputs) {
    const kinds: Record<string, string> = {};
    for (const [gvk, n] of Object.entries(schema.kinds)) kinds[gvk] = ids.get(n)!;
    const pick: Record<string, number> = {};
    for (const [n, i] of chosen.get(minor)!) if (i > 0) pick[ids.get(n)!] = i;
    const served = schema.served ?? Object.keys(schema.kinds);
    for (const gvk of served) groups.add(gvk.slice(0, gvk.indexOf('/')));
    versions[minor] = { release, kinds, served, ...(Object.keys(pick).length ? { pick } : {}) };
  }
  return { format: 1, versions, defs, groups: [...groups].sort() };
}

/** The compact schema of one bundled version ("kubernetes 1.33"), or undefined if the bundle lacks it. */
export function schemaOfVersion(bundle: KubernetesBundle, minor: string): CompactSchema | undefined {
  const v = bundle.versions[minor];
  if (!v) return undefined;
  const defs: Record<string, CompactType> = {};
  for (const [id, list] of Object.entries(bundle.defs)) defs[id] = list[v.pick?.[id] ?? 0]!;
  return { source: `kubernetes ${minor}`, kinds: v.kinds, defs, served: v.served, groups: bundle.groups };
}
