// The local cluster as e2e scenarios see it: values from its status file, and kubectl.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** A value of the cluster's status.env (TRAIN_IMAGE, PROMETHEUS_URL, ...), or undefined. */
export function clusterStatus(key) {
  const cache = process.env.KUBEML_CACHE || join(homedir(), '.cache/kubeml');
  try {
    return new RegExp(`^${key}=(.+)$`, 'm').exec(readFileSync(join(cache, 'cluster/status.env'), 'utf8'))?.[1]?.trim();
  } catch {
    return undefined;
  }
}

/** Runs the cluster's kubectl with the scenario's kubeconfig; `input` goes to its stdin. */
export function kubectl(env, args, input) {
  return spawnSync(env.KUBEML_KUBECTL ?? 'kubectl', ['--kubeconfig', env.KUBECONFIG, ...args], { encoding: 'utf8', input });
}
