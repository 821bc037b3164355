import { LINT_KUBERNETES_VERSIONS } from '../../common/settings';

/** The bundled Kubernetes minor versions, oldest first ("1.30" ... "1.34"). */
export const KUBERNETES_VERSIONS: readonly string[] = LINT_KUBERNETES_VERSIONS.filter((v) => v !== 'auto');
export const NEWEST_KUBERNETES = KUBERNETES_VERSIONS[KUBERNETES_VERSIONS.length - 1]!;

/** "v1.33.13", "1.33", "v1.29.5-gke.100" -> [1, 33]; undefined if it is no version. */
function minorOf(version: string): [number, number] | undefined {
  const m = /^v?(\d+)\.(\d+)/.exec(version.trim());
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/**
 * The bundled version to validate against: the setting when it names one; else ("auto") the
 * connected cluster's version, or the nearest bundled one when KubeML bundles no schema for it
 * (a 1.29 cluster is checked against 1.30, a 1.36 one against 1.34); else the newest bundled.
 */
export function chooseKubernetesVersion(setting: string | undefined, clusterVersion?: string): string {
  if (setting && KUBERNETES_VERSIONS.includes(setting)) return setting;
  const cluster = clusterVersion ? minorOf(clusterVersion) : undefined;
  if (!cluster) return NEWEST_KUBERNETES;
  const key = (v: [number, number]) => v[0] * 1000 + v[1];
  let best = NEWEST_KUBERNETES;
  let bestDistance = Infinity;
  for (const v of KUBERNETES_VERSIONS) {
    const d = Math.abs(key(minorOf(v)!) - key(cluster));
    if (d < bestDistance) [best, bestDistance] = [v, d];
  }
  return best;
}

/** Parses a --kubernetes-version value: a bundled minor version, "auto", or a release such as v1.33.13 (its minor). */
export function parseKubernetesVersion(value: string): string | undefined {
  if (value === 'auto') return NEWEST_KUBERNETES;
  const m = minorOf(value);
  if (!m) return undefined;
  const minor = `${m[0]}.${m[1]}`;
  return KUBERNETES_VERSIONS.includes(minor) ? minor : undefined;
}
