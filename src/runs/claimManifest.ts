/**
 * Where in the workspace a missing claim is defined: a YAML file holding a PersistentVolumeClaim
 * of that name (the sample's cluster/artifacts.yaml), so that the failure can name it. Reads at
 * most a few hundred small files two folders deep; never throws.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const MAX_FILES = 300;
const MAX_BYTES = 256 * 1024;
const SKIP = new Set(['node_modules', '.git', '.kubeml', '.venv', 'venv', '__pycache__']);

export function findClaimManifest(workspace: string, claim: string): string | undefined {
  let seen = 0;
  const named = new RegExp(
    `^kind:\\s*PersistentVolumeClaim\\b[^]*?^\\s+name:\\s*["']?${claim.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}["']?\\s*$`,
    'm',
  );
  const walk = (dir: string, depth: number): string | undefined => {
    let entries: string[];
    try {
      entries = readdirSync(dir).sort();
    } catch {
      return undefined;
    }
    for (const name of entries) {
      if (seen++ > MAX_FILES) return undefined;
      const path = join(dir, name);
      let st;
      try {
        st = statSync(path);
      } catch {
        continue;
      }
      if (st.isDirectory()) {
        if (depth < 2 && !SKIP.has(name) && !name.startsWith('.')) {
          const hit = walk(path, depth + 1);
          if (hit) return hit;
        }
      } else if (/\.ya?ml$/.test(name) && st.size <= MAX_BYTES) {
        try {
          const text = readFileSync(path, 'utf8');
          // Each document on its own: the name must follow that document's kind.
          if (text.split(/^---\s*$/m).some((doc) => named.test(doc))) return relative(workspace, path);
        } catch {
          /* unreadable: skip */
        }
      }
    }
    return undefined;
  };
  return walk(workspace, 0);
}

/** What Create Claim shows and then applies for one missing claim. */
export interface ClaimPlan {
  /** The workspace file that defines the claim (relative), or undefined for a generated manifest. */
  readonly file?: string;
  /** The YAML shown to the user (the whole file: its other documents, such as the claim's volume, go with it). */
  readonly text: string;
}

/**
 * The manifest for a missing claim: the workspace file that defines it (all of it: the sample's
 * cluster/artifacts.yaml pairs the claim with its hostPath volume), else a plain claim in the run's
 * namespace for the cluster's default storage class, with a comment saying what to edit.
 */
export function claimPlan(workspace: string, claim: string, namespace: string): ClaimPlan {
  const file = findClaimManifest(workspace, claim);
  if (file) {
    try {
      return { file, text: readFileSync(join(workspace, file), 'utf8') };
    } catch {
      /* vanished since: generate one */
    }
  }
  return {
    text: [
      `# The claim ${claim} that kubeml.yaml needs (datasets or artifacts), in namespace ${namespace}.`,
      '# Edit the size, access mode or storage class (the cluster default when left out), then choose Create.',
      'apiVersion: v1',
      'kind: PersistentVolumeClaim',
      'metadata:',
      `  name: ${claim}`,
      `  namespace: ${namespace}`,
      'spec:',
      '  accessModes: [ReadWriteOnce]',
      '  resources:',
      '    requests:',
      '      storage: 10Gi',
      '',
    ].join('\n'),
  };
}

export interface StorageDoc {
  apiVersion: 'v1';
  kind: 'PersistentVolumeClaim' | 'PersistentVolume';
  metadata: { name: string; namespace?: string };
}

/**
 * The objects of a claim manifest, checked: only core/v1 PersistentVolumeClaims and
 * PersistentVolumes (anything else in the text is refused, not applied), claims placed in
 * `namespace` when they name none; a claim named for another namespace is refused with both names.
 */
export function storageObjects(docs: readonly unknown[], namespace: string): StorageDoc[] {
  const out: StorageDoc[] = [];
  for (const d of docs) {
    if (d === null || d === undefined) continue;
    const o = d as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } };
    const what = `${String(o.kind ?? 'an object without kind')}${typeof o.metadata?.name === 'string' ? ` ${o.metadata.name}` : ''}`;
    if (o.apiVersion !== 'v1' || (o.kind !== 'PersistentVolumeClaim' && o.kind !== 'PersistentVolume'))
      throw new Error(`Create Claim applies only PersistentVolumeClaims and PersistentVolumes (v1); the manifest also holds ${what}.`);
    if (typeof o.metadata?.name !== 'string' || !o.metadata.name)
      throw new Error(`The ${String(o.kind)} in the manifest has no metadata.name.`);
    if (o.kind === 'PersistentVolume') {
      out.push(d as StorageDoc);
      continue;
    }
    const ns = typeof o.metadata.namespace === 'string' && o.metadata.namespace ? o.metadata.namespace : namespace;
    if (ns !== namespace)
      throw new Error(
        `The manifest puts the claim ${o.metadata.name} in namespace ${ns}, but the run is in ${namespace}: edit the namespace (and the volume's claimRef), or launch in ${ns}.`,
      );
    out.push({ ...(d as object), metadata: { ...(o.metadata as object), name: o.metadata.name, namespace } } as StorageDoc);
  }
  if (!out.some((o) => o.kind === 'PersistentVolumeClaim')) throw new Error('The manifest holds no PersistentVolumeClaim.');
  return out;
}
