/**
 * The lint benchmark's peers, built from their Go modules by scripts/go-tool.sh (cached outside
 * the repository): kube-score (opinionated checks, no schema) and kubeconform (schema validation
 * only, against local schemas made from the same Kubernetes OpenAPI as KubeML's: kubeconform-schemas.ts).
 * Here: finding the binaries, and reading each one's findings from its JSON output.
 */
import { spawnSync } from 'node:child_process';
import { basename, dirname, join } from 'node:path';

export type Unavailable = {
  available: false;
  measured: 'not measured';
  reason: string;
};

/** The cached binary's path from scripts/go-tool.sh (which builds it the first time), or why there is none. */
export function goTool(root: string, name: 'kube-score' | 'kubeconform'): { path: string; version: string } | Unavailable {
  const r = spawnSync('bash', [join(root, 'scripts', 'go-tool.sh'), name], { encoding: 'utf8' });
  const path = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !path)
    return {
      available: false,
      measured: 'not measured',
      reason: `bash scripts/go-tool.sh ${name} exited ${String(r.status)}: ${r.stderr.trim().split('\n').slice(-3).join(' ')}`,
    };
  // The binaries are built without VCS stamps (`version` says "development"): the cache folder names the module version.
  return { path, version: basename(dirname(path)).slice(name.length + 1) };
}

export const KUBE_SCORE_GRADE: Record<number, string> = { 1: 'critical', 5: 'warning' };

export interface KubeScoreObject {
  object_name: string;
  file_name: string;
  type_meta: { kind: string };
  checks: Array<{ check: { id: string }; grade: number; skipped: boolean; comments: unknown[] | null }>;
}

/** kube-score's findings: one per object and failed check (grade critical or warning, not skipped). */
export function kubeScoreFindings(stdout: string): {
  objects: number;
  bySeverity: Record<string, number>;
  byCheck: Record<string, number>;
  total: number;
} {
  const objects = JSON.parse(stdout) as KubeScoreObject[];
  const bySeverity: Record<string, number> = { critical: 0, warning: 0 };
  const byCheck: Record<string, number> = {};
  for (const o of objects)
    for (const c of o.checks) {
      const sev = KUBE_SCORE_GRADE[c.grade];
      if (c.skipped || !sev) continue;
      bySeverity[sev]!++;
      byCheck[c.check.id] = (byCheck[c.check.id] ?? 0) + 1;
    }
  return { objects: objects.length, bySeverity, byCheck: sorted(byCheck), total: bySeverity.critical! + bySeverity.warning! };
}

export interface KubeconformReport {
  resources?: Array<{ filename: string; kind: string; name: string; status: string; msg: string }>;
  summary: { valid: number; invalid: number; errors: number; skipped: number };
}

/** kubeconform's findings: its summary, and the invalid resources per kind. */
export function kubeconformFindings(stdout: string): KubeconformReport['summary'] & { invalidByKind: Record<string, number> } {
  const r = JSON.parse(stdout) as KubeconformReport;
  const invalidByKind: Record<string, number> = {};
  for (const x of r.resources ?? []) if (x.status === 'statusInvalid') invalidByKind[x.kind] = (invalidByKind[x.kind] ?? 0) + 1;
  return { ...r.summary, invalidByKind: sorted(invalidByKind) };
}

function sorted(o: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * kube-score stops at the first object it cannot decode into the Kubernetes Go types (a string
 * containerPort: "failed to parse files", no output): the files it rejects one by one, so it can be
 * timed on the rest.
 */
export function kubeScoreRejects(bin: string, files: string[]): Array<{ file: string; error: string }> {
  const out: Array<{ file: string; error: string }> = [];
  for (const f of files) {
    const r = spawnSync(bin, ['score', '--output-format', 'json', f], { encoding: 'utf8' });
    if (!r.stdout.trim()) out.push({ file: basename(f), error: r.stderr.trim().split('\n')[0] ?? `exit ${String(r.status)}` });
  }
  return out;
}
