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
