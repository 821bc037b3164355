import { get, isRecord } from '../document';
import type { Path } from '../types';
import { containerLabel, type Rule, type RuleContext } from './rule';
import type { ContainerRef } from '../workload';

/**
 * The core set: the defaults of kube-linter and Polaris that apply to one manifest at a time.
 * Ids follow kube-linter's check names where one exists, so a team moving over keeps its vocabulary.
 */
const real = (ctx: RuleContext) => ctx.containers.filter((c) => c.hasImage && c.resourcesKey === 'resources');

function resourcesOf(c: ContainerRef): { requests: Record<string, unknown>; limits: Record<string, unknown> } {
  const res = c.container[c.resourcesKey];
  const r = isRecord(res) ? res : {};
  return { requests: isRecord(r.requests) ? r.requests : {}, limits: isRecord(r.limits) ? r.limits : {} };
}

function secCtx(c: ContainerRef): Record<string, unknown> {
  return isRecord(c.container.securityContext) ? c.container.securityContext : {};
}

export const latestTag: Rule = {
  id: 'latest-tag',
  severity: 'warning',
  category: 'reliability',
  matches: 'kube-linter latest-tag, Polaris tagNotSpecified',
  description: 'Images need a pinned tag or digest: ":latest" or no tag makes reruns use different code.',
  check(ctx) {
    for (const c of real(ctx)) {
      const image = c.container.image;
      if (typeof image !== 'string' || image.includes('@')) continue;
      const lastSegment = image.slice(image.lastIndexOf('/') + 1);
      const tag = lastSegment.includes(':') ? lastSegment.slice(lastSegment.indexOf(':') + 1) : undefined;
      if (tag === undefined)
        ctx.report(
          this.id,
          [...c.path, 'image'],
          `The image "${image}" of ${containerLabel(c)} has no tag, so it means ":latest". Pin a version tag or a digest.`,
        );
      else if (tag === 'latest')
        ctx.report(
          this.id,
          [...c.path, 'image'],
          `The image "${image}" of ${containerLabel(c)} uses ":latest". Pin a version tag or a digest.`,
        );
    }
  },
};

export const unsetCpu: Rule = {
  id: 'unset-cpu-requirements',
  severity: 'warning',
  category: 'resources',
  matches: 'kube-linter unset-cpu-requirements, Polaris cpuRequestsMissing',
  description: 'Containers need a CPU request so the scheduler can place them.',
  check(ctx) {
    for (const c of ctx.containers.filter((x) => x.hasImage)) {
      const { requests, limits } = resourcesOf(c);
      if (requests.cpu !== undefined) continue;
      const value = limits.cpu ?? '1';
      ctx.report(this.id, [...c.path, c.resourcesKey, 'requests', 'cpu'], `${cap(containerLabel(c))} has no CPU request.`, {
        mode: 'key',
        fixes: [
          {
            title: `Request ${String(value)} CPU${limits.cpu !== undefined ? ' (the limit)' : ''}`,
            edits: [ctx.set([...c.path, c.resourcesKey, 'requests', 'cpu'], String(value))],
            preferred: true,
          },
        ],
      });
    }
  },
};

export const unsetCpuLimit: Rule = {
  id: 'unset-cpu-limit',
  severity: 'info',
  category: 'resources',
  matches: 'Polaris cpuLimitsMissing',
  description: 'Containers without a CPU limit can take every core of a shared node.',
  check(ctx) {
    for (const c of ctx.containers.filter((x) => x.hasImage)) {
      const { requests, limits } = resourcesOf(c);
      if (limits.cpu !== undefined) continue;
      const fixes =
        requests.cpu !== undefined
          ? [{ title: 'Limit CPU to the request', edits: [ctx.set([...c.path, c.resourcesKey, 'limits', 'cpu'], String(requests.cpu))] }]
          : [];
      ctx.report(this.id, [...c.path, c.resourcesKey, 'limits', 'cpu'], `${cap(containerLabel(c))} has no CPU limit.`, {
        mode: 'key',
        fixes,
      });
    }
  },
};

export const unsetMemory: Rule = {
  id: 'unset-memory-requirements',
  severity: 'warning',
  category: 'resources',
  matches: 'kube-linter unset-memory-requirements, Polaris memoryRequestsMissing/memoryLimitsMissing',
  description: 'Containers need a memory request and limit: without them a training pod is the first one evicted or OOM-killed.',
  check(ctx) {
    for (const c of ctx.containers.filter((x) => x.hasImage)) {
      const { requests, limits } = resourcesOf(c);
      const base = [...c.path, c.resourcesKey];
      if (limits.memory === undefined) {
        const fixes =
          requests.memory !== undefined
            ? [
                {
                  title: 'Limit memory to the request',
                  edits: [ctx.set([...base, 'limits', 'memory'], String(requests.memory))],
                  preferred: true,
                },
              ]
            : [];
        ctx.report(this.id, [...base, 'limits', 'memory'], `${cap(containerLabel(c))} has no memory limit.`, { mode: 'key', fixes });
      }
      if (requests.memory === undefined) {
        const fixes =
          limits.memory !== undefined
            ? [
                {
                  title: 'Request the memory limit',
                  edits: [ctx.set([...base, 'requests', 'memory'], String(limits.memory))],
                  preferred: true,
                },
              ]
            : [];
        ctx.report(this.id, [...base, 'requests', 'memory'], `${cap(containerLabel(c))} has no memory request.`, { mode: 'key', fixes });
      }
    }
  },
};

export const privileged: Rule = {
  id: 'privileged-container',
  severity: 'error',
  category: 'security',
  matches: 'kube-linter privileged-container, Polaris privilegedContainer',
  description: 'Privileged containers have full access to the node; GPUs do not need it (the device plugin mounts them).',
  check(ctx) {
    for (const c of real(ctx)) {
      if (secCtx(c).privileged !== true) continue;
      const p = [...c.path, 'securityContext', 'privileged'];
      ctx.report(this.id, p, `${cap(containerLabel(c))} is privileged.`, {
        fixes: [{ title: 'Set privileged: false', edits: [ctx.set(p, false)], preferred: true }],
      });
    }
  },
};

export const privilegeEscalation: Rule = {
  id: 'privilege-escalation-container',
  severity: 'warning',
  category: 'security',
  matches: 'kube-linter privilege-escalation-container, Polaris privilegeEscalationAllowed',
  description: 'Containers should set allowPrivilegeEscalation: false so a setuid binary cannot gain root.',
  check(ctx) {
    for (const c of real(ctx)) {
      if (secCtx(c).allowPrivilegeEscalation === false) continue;
      const p = [...c.path, 'securityContext', 'allowPrivilegeEscalation'];
      ctx.report(
        this.id,
        secCtx(c).allowPrivilegeEscalation === true ? p : [...c.path, 'name'],
        `${cap(containerLabel(c))} allows privilege escalation; set securityContext.allowPrivilegeEscalation: false.`,
        {
          fixes: [{ title: 'Set allowPrivilegeEscalation: false', edits: [ctx.set(p, false)], preferred: true }],
        },
      );
    }
  },
};

function hostRule(id: string, field: 'hostNetwork' | 'hostPID' | 'hostIPC', what: string, severity: 'warning' | 'error'): Rule {
  return {
    id,
    severity,
    category: 'security',
    matches: `kube-linter ${id}, Polaris ${field}Set`,
    description: `Pods should not share the node's ${what}.`,
    check(ctx) {
      for (const p of ctx.pods) {
        if (p.spec[field] !== true) continue;
        const path = [...p.path, field];
        ctx.report(this.id, path, `The pod shares the node's ${what} (${field}: true).`, {
          fixes: [{ title: `Set ${field}: false`, edits: [ctx.set(path, false)], preferred: true }],
        });
      }
    },
  };
}
export const hostNetwork = hostRule('host-network', 'hostNetwork', 'network namespace', 'warning');
export const hostPid = hostRule('host-pid', 'hostPID', 'process namespace', 'warning');
export const hostIpc = hostRule('host-ipc', 'hostIPC', 'IPC namespace', 'warning');

export const runAsNonRoot: Rule = {
  id: 'run-as-non-root',
  severity: 'warning',
  category: 'security',
  matches: 'kube-linter run-as-non-root, Polaris runAsRootAllowed',
  description: 'Containers should run as a non-root user (runAsNonRoot: true or runAsUser > 0).',
  check(ctx) {
    for (const c of real(ctx)) {
      const pod = isRecord(c.pod.spec.securityContext) ? c.pod.spec.securityContext : {};
      const sc = secCtx(c);
      const user = sc.runAsUser ?? pod.runAsUser;
      const nonRoot = sc.runAsNonRoot ?? pod.runAsNonRoot;
      if (user === 0) {
        const path = sc.runAsUser === 0 ? [...c.path, 'securityContext', 'runAsUser'] : [...c.pod.path, 'securityContext', 'runAsUser'];
        ctx.report(this.id, path, `${cap(containerLabel(c))} runs as root (runAsUser: 0).`);
        continue;
      }
      if (nonRoot === true || (typeof user === 'number' && user > 0)) continue;
      const p = [...c.path, 'securityContext', 'runAsNonRoot'];
      ctx.report(
        this.id,
        [...c.path, 'name'],
        `${cap(containerLabel(c))} may run as root: set runAsNonRoot: true or a runAsUser above 0.`,
        {
          fixes: [{ title: 'Set runAsNonRoot: true', edits: [ctx.set(p, true)], preferred: true }],
        },
      );
    }
  },
};

export const readOnlyRootFs: Rule = {
  id: 'no-read-only-root-fs',
  severity: 'info',
  category: 'security',
  matches: 'kube-linter no-read-only-root-fs, Polaris notReadOnlyRootFilesystem',
  description: 'A read-only root filesystem stops a compromised container from changing its own binaries; write to volumes instead.',
  check(ctx) {
    for (const c of real(ctx)) {
      if (secCtx(c).readOnlyRootFilesystem === true) continue;
      const p = [...c.path, 'securityContext', 'readOnlyRootFilesystem'];
      ctx.report(
        this.id,
        secCtx(c).readOnlyRootFilesystem === false ? p : [...c.path, 'name'],
        `${cap(containerLabel(c))} has a writable root filesystem.`,
        {
          fixes: [{ title: 'Set readOnlyRootFilesystem: true', edits: [ctx.set(p, true)] }],
        },
      );
    }
  },
};

export const duplicateEnv: Rule = {
  id: 'duplicate-env-var',
  severity: 'warning',
  category: 'reliability',
  matches: 'kube-linter duplicate-env-var',
  description: 'An environment variable set twice in one container: only the last value counts.',
  check(ctx) {
    for (const c of ctx.containers) {
      const env = c.container.env;
      if (!Array.isArray(env)) continue;
      const seen = new Map<string, number>();
      env.forEach((e, i) => {
        if (!isRecord(e) || typeof e.name !== 'string') return;
        const first = seen.get(e.name);
        if (first !== undefined)
          ctx.report(
            this.id,
            [...c.path, 'env', i, 'name'],
            `${cap(containerLabel(c))} sets ${e.name} twice (first at item ${first + 1}); only this last value counts.`,
          );
        else seen.set(e.name, i);
      });
    }
  },
};

export const mismatchingSelector: Rule = {
  id: 'mismatching-selector',
  severity: 'error',
  category: 'reliability',
  matches: 'kube-linter mismatching-selector',
  description: "A workload's selector must match its pod template's labels, or the API server rejects it.",
  check(ctx) {
    if (!['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'].includes(ctx.head.kind)) return;
    const matchLabels = get(ctx.value, ['spec', 'selector', 'matchLabels']);
    const labels = get(ctx.value, ['spec', 'template', 'metadata', 'labels']);
    if (!isRecord(matchLabels)) return;
    const l = isRecord(labels) ? labels : {};
    for (const [k, v] of Object.entries(matchLabels)) {
      if (l[k] === v) continue;
      const fixes = [
        {
          title: `Add label ${k}: ${String(v)} to the pod template`,
          edits: [ctx.set(['spec', 'template', 'metadata', 'labels', k], String(v))],
          preferred: true,
        },
      ];
      ctx.report(
        this.id,
        ['spec', 'selector', 'matchLabels', k],
        `The selector ${k}=${String(v)} does not match the pod template's labels (${k in l ? `${k}=${String(l[k])}` : `no ${k} label`}).`,
        { fixes },
      );
    }
  },
};

const SENSITIVE = [
  '/',
  '/etc',
  '/proc',
  '/sys',
  '/root',
  '/boot',
  '/dev',
  '/var/run',
  '/var/run/docker.sock',
  '/run/containerd/containerd.sock',
  '/var/lib/kubelet',
  '/var/lib/docker',
  '/var/run/crio/crio.sock',
];

export const sensitiveHostMounts: Rule = {
  id: 'sensitive-host-mounts',
  severity: 'warning',
  category: 'security',
  matches: 'kube-linter sensitive-host-mounts, docker-sock',
  description: 'hostPath volumes of system directories or the container runtime socket give the pod control of the node.',
  check(ctx) {
    for (const p of ctx.pods) {
      const vols = p.spec.volumes;
      if (!Array.isArray(vols)) continue;
      vols.forEach((v, i) => {
        const path = isRecord(v) && isRecord(v.hostPath) ? v.hostPath.path : undefined;
        if (typeof path === 'string' && SENSITIVE.includes(path.replace(/(.)\/+$/, '$1'))) {
          ctx.report(this.id, [...p.path, 'volumes', i, 'hostPath', 'path'], `The volume mounts the node's ${path}.`);
        }
      });
    }
  },
};

export const deprecatedServiceAccount: Rule = {
  id: 'deprecated-service-account-field',
  severity: 'warning',
  category: 'reliability',
  matches: 'kube-linter deprecated-service-account-field',
  description: 'spec.serviceAccount is deprecated; use serviceAccountName.',
  check(ctx) {
    for (const p of ctx.pods) {
      if (typeof p.spec.serviceAccount !== 'string' || p.spec.serviceAccountName !== undefined) continue;
      const path: Path = [...p.path, 'serviceAccount'];
      ctx.report(this.id, path, 'serviceAccount is deprecated: use serviceAccountName.', { mode: 'key' });
    }
  },
};

export const sshPort: Rule = {
  id: 'ssh-port',
  severity: 'warning',
  category: 'security',
  matches: 'kube-linter ssh-port',
  description: 'Exposing port 22 suggests an SSH server in the container; use kubectl exec instead.',
  check(ctx) {
    for (const c of real(ctx)) {
      const ports = c.container.ports;
      if (!Array.isArray(ports)) continue;
      ports.forEach((p, i) => {
        if (isRecord(p) && p.containerPort === 22)
          ctx.report(this.id, [...c.path, 'ports', i, 'containerPort'], `${cap(containerLabel(c))} exposes the SSH port 22.`);
      });
    }
  },
};

export const envVarSecret: Rule = {
  id: 'env-var-secret',
  severity: 'warning',
  category: 'security',
  matches: 'kube-linter env-var-secret',
  description: 'Secrets belong in a Secret (valueFrom.secretKeyRef), not in a literal environment value.',
  check(ctx) {
    for (const c of ctx.containers) {
      const env = c.container.env;
      if (!Array.isArray(env)) continue;
      env.forEach((e, i) => {
        if (!isRecord(e) || typeof e.name !== 'string' || typeof e.value !== 'string' || e.value === '') return;
        if (/secret|password|passwd|token|api_?key|access_?key/i.test(e.name))
          ctx.report(
            this.id,
            [...c.path, 'env', i, 'value'],
            `${e.name} holds a literal value that looks like a secret; use valueFrom.secretKeyRef.`,
          );
      });
    }
  },
};

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export const coreRules: Rule[] = [
  latestTag,
  unsetCpu,
  unsetCpuLimit,
  unsetMemory,
  privileged,
  privilegeEscalation,
  hostNetwork,
  hostPid,
  hostIpc,
  runAsNonRoot,
  readOnlyRootFs,
  duplicateEnv,
  mismatchingSelector,
  sensitiveHostMounts,
  deprecatedServiceAccount,
  sshPort,
  envVarSecret,
];
