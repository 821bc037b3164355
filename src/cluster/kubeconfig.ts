import * as os from 'node:os';
import * as path from 'node:path';
import * as fs from 'node:fs';
import type { KubeConfig } from '@kubernetes/client-node';
import { k8s } from './k8s';
import { KubeMLError } from '../common/errors';

export interface KubeconfigSourceOptions {
  /** The kubeml.kubeconfig setting; wins over KUBECONFIG when set. May be several paths joined by the platform delimiter. */
  setting?: string;
  env: Record<string, string | undefined>;
  homeDir?: string;
}

function expandHome(p: string, home: string): string {
  return p === '~' ? home : p.startsWith('~/') ? path.join(home, p.slice(2)) : p;
}

/** The files kubectl would read, in merge order: the setting, else $KUBECONFIG (several files), else ~/.kube/config. */
export function kubeconfigSources(opts: KubeconfigSourceOptions): string[] {
  const home = opts.homeDir ?? os.homedir();
  const raw = opts.setting?.trim() ? opts.setting : opts.env.KUBECONFIG;
  if (raw && raw.trim()) {
    const seen = new Set<string>();
    const out: string[] = [];
    for (const part of raw.split(path.delimiter)) {
      const p = part.trim();
      if (p && !seen.has(p)) {
        seen.add(p);
        out.push(expandHome(p, home));
      }
    }
    return out;
  }
  return [path.join(home, '.kube', 'config')];
}

export interface LoadedKubeconfig {
  kc: KubeConfig;
  files: string[];
}

/**
 * Loads and merges kubeconfig files as kubectl does: the first file that sets a value wins;
 * missing files are skipped. Throws KubeMLError('no-config') when nothing usable is found,
 * and 'bad-config' (naming the file) when a file cannot be parsed.
 */
export function loadKubeconfig(opts: KubeconfigSourceOptions): LoadedKubeconfig {
  const files = kubeconfigSources(opts).filter((f) => fs.existsSync(f));
  if (files.length === 0) {
    throw new KubeMLError(
      'no-config',
      'No kubeconfig found.',
      'Set KUBECONFIG, create ~/.kube/config, or choose a file with "KubeML: Select Kubeconfig File".',
    );
  }
  const { KubeConfig: KubeConfigClass } = k8s();
  const merged: KubeConfig = new KubeConfigClass();
  const clusters = new Map<string, unknown>();
  const users = new Map<string, unknown>();
  const contexts = new Map<string, unknown>();
  let currentContext = '';
  for (const file of files) {
    const kc = new KubeConfigClass();
    try {
      kc.loadFromFile(file);
    } catch (e) {
      throw new KubeMLError(
        'bad-config',
        `The kubeconfig ${file} cannot be read: ${(e as Error).message}.`,
        'Fix the file or point kubeml.kubeconfig elsewhere.',
        undefined,
        { cause: e },
      );
    }
    for (const c of kc.clusters) if (!clusters.has(c.name)) clusters.set(c.name, c);
    for (const u of kc.users) if (!users.has(u.name)) users.set(u.name, u);
    for (const c of kc.contexts) if (!contexts.has(c.name)) contexts.set(c.name, c);
    if (!currentContext && kc.currentContext) currentContext = kc.currentContext;
  }
  merged.loadFromOptions({
    clusters: [...clusters.values()],
    users: [...users.values()],
    contexts: [...contexts.values()],
    currentContext,
  });
  if (merged.contexts.length === 0) {
    throw new KubeMLError(
      'no-config',
      `The kubeconfig (${files.join(', ')}) defines no context.`,
      'Add a context with kubectl config set-context, or choose another file.',
    );
  }
  return { kc: merged, files };
}

/** The namespace a context points at, as kubectl resolves it. */
export function contextNamespace(kc: KubeConfig, contextName: string): string {
  return kc.getContextObject(contextName)?.namespace || 'default';
}
