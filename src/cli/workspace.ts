/**
 * What the run commands of the `kubeml` program share: the workspace (the folder of kubeml.yaml,
 * found from the current directory upward, as git finds .git), its spec, and the cluster from the
 * kubeconfig (--kubeconfig, else KUBECONFIG, else ~/.kube/config, as kubectl reads it).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../cluster/client';
import { contextNamespace, loadKubeconfig } from '../cluster/kubeconfig';
import { KubeMLError } from '../common/errors';
import { Logger, type LogSink } from '../common/logging';
import { type KubeMLSpec, loadSpec, SPEC_FILE } from '../model/runSpec';
import type { ClusterOptions } from './runsFormat';

/** The nearest folder at or above `from` that holds kubeml.yaml. */
export function findWorkspace(from: string): string {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, SPEC_FILE))) return dir;
    const up = dirname(dir);
    if (up === dir)
      throw new KubeMLError(
        'not-found',
        `No ${SPEC_FILE} in ${resolve(from)} or any folder above it.`,
        `Run kubeml in the folder of your ${SPEC_FILE} (samples/kubeml.yaml is an example).`,
      );
    dir = up;
  }
}

export function readWorkspaceSpec(folder: string): KubeMLSpec {
  const file = join(folder, SPEC_FILE);
  return loadSpec(readFileSync(file, 'utf8'), file);
}

export interface CliCluster {
  readonly kc: KubeConfig;
  readonly client: KubeClient;
  readonly context: string;
  /** --namespace, else kubeml.yaml's namespace, else the context's. */
  readonly namespace: string;
}

export function connect(o: ClusterOptions, spec: KubeMLSpec | undefined, env: NodeJS.ProcessEnv = process.env): CliCluster {
  const { kc } = loadKubeconfig({ setting: o.kubeconfig, env });
  if (o.context) {
    if (!kc.contexts.some((c) => c.name === o.context))
      throw new KubeMLError(
        'no-config',
        `The kubeconfig has no context "${o.context}".`,
        `Use one of: ${kc.contexts.map((c) => c.name).join(', ')}.`,
      );
    kc.setCurrentContext(o.context);
  }
  const context = kc.getCurrentContext();
  if (!context) throw new KubeMLError('no-config', 'The kubeconfig names no current context.', 'Pass --context NAME.');
  return { kc, client: new KubeClient(kc), context, namespace: o.namespace ?? spec?.namespace ?? contextNamespace(kc, context) };
}

/** A log on stderr: warnings and errors always, the launcher's progress notes (info) unless quiet. */
export function stderrLogger(write: (s: string) => void, verbose: boolean): Logger {
  const line = (level: string) => (m: string) => write(`kubeml: ${level}${m}\n`);
  const sink: LogSink = {
    trace: () => undefined,
    debug: verbose ? line('') : () => undefined,
    info: line(''),
    warn: line('warning: '),
    error: line('error: '),
  };
  return new Logger(sink);
}
