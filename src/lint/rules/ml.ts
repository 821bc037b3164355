import { get, isRecord } from '../document';
import type { Path } from '../types';
import { containerLabel, type Rule, type RuleContext } from './rule';
import { gpuKeys, looksLikePyTorch, quantityValue, type ContainerRef, type PodSpecRef } from '../workload';

/** Rules for training and serving on GPUs that general-purpose linters do not have. */

function res(c: ContainerRef, part: 'requests' | 'limits'): Record<string, unknown> {
  const r = c.container[c.resourcesKey];
  const m = isRecord(r) ? r[part] : undefined;
  return isRecord(m) ? m : {};
}

function gpuContainers(ctx: RuleContext): ContainerRef[] {
  return ctx.containers.filter((c) => gpuKeys(c).length > 0);
}

function gpuPods(ctx: RuleContext): Array<{ pod: PodSpecRef; keys: Set<string> }> {
  const byPod = new Map<PodSpecRef, Set<string>>();
  for (const c of gpuContainers(ctx)) {
    if (c.resourcesKey !== 'resources') continue; // a TrainJob's pods come from its runtime
    const set = byPod.get(c.pod) ?? new Set<string>();
    for (const k of gpuKeys(c)) if (quantityValue(res(c, 'limits')[k] ?? res(c, 'requests')[k]) !== 0) set.add(k);
    if (set.size) byPod.set(c.pod, set);
  }
  return [...byPod].map(([pod, keys]) => ({ pod, keys }));
}

export const gpuLimits: Rule = {
  id: 'gpu-limits',
  severity: 'error',
  category: 'ml',
  description:
    'A GPU request needs an equal GPU limit: extended resources cannot be overcommitted, so the API server rejects anything else.',
  check(ctx) {
    for (const c of gpuContainers(ctx)) {
      const requests = res(c, 'requests');
      const limits = res(c, 'limits');
      for (const k of gpuKeys(c)) {
        const base = [...c.path, c.resourcesKey];
        if (requests[k] !== undefined && limits[k] === undefined) {
          ctx.report(
            this.id,
            [...base, 'requests', k],
            `${cap(containerLabel(c))} requests ${String(requests[k])} ${k} but sets no ${k} limit; GPUs must be set in limits (requests default to them).`,
            {
              mode: 'key',
              fixes: [
                {
                  title: `Set the ${k} limit to ${String(requests[k])}`,
                  edits: [ctx.set([...base, 'limits', k], requests[k])],
                  preferred: true,
                },
              ],
            },
          );
        } else if (requests[k] !== undefined && quantityValue(requests[k]) !== quantityValue(limits[k])) {
          ctx.report(
            this.id,
            [...base, 'requests', k],
            `${cap(containerLabel(c))} requests ${String(requests[k])} ${k} but its limit is ${String(limits[k])}; they must be equal.`,
            {
              fixes: [
                {
                  title: `Request ${String(limits[k])} ${k} (the limit)`,
                  edits: [ctx.set([...base, 'requests', k], limits[k])],
                  preferred: true,
                },
              ],
            },
          );
        }
      }
    }
  },
};

export const gpuFractional: Rule = {
  id: 'gpu-fractional',
  severity: 'error',
  category: 'ml',
  description: 'GPU counts are whole devices: 0.5 or "500m" is rejected (share a GPU with MIG or time-slicing instead).',
  check(ctx) {
    for (const c of gpuContainers(ctx)) {
      for (const part of ['requests', 'limits'] as const) {
        for (const k of gpuKeys(c)) {
          const q = res(c, part)[k];
          if (q === undefined) continue;
          const n = quantityValue(q);
          if (Number.isInteger(n) && n >= 0) continue;
          const path = [...c.path, c.resourcesKey, part, k];
          const fixes =
            Number.isFinite(n) && n > 0
              ? [
                  {
                    title: `Use ${Math.ceil(n)} whole GPU${Math.ceil(n) > 1 ? 's' : ''}`,
                    edits: [ctx.set(path, Math.ceil(n))],
                    preferred: true,
                  },
                ]
              : [];
          ctx.report(this.id, path, `${cap(containerLabel(c))} asks for ${String(q)} ${k}: GPU counts must be whole numbers.`, { fixes });
        }
      }
    }
  },
};

const TAINT_KEYS: Record<string, string> = { 'nvidia.com/gpu': 'nvidia.com/gpu', 'amd.com/gpu': 'amd.com/gpu' };

export const gpuToleration: Rule = {
  id: 'gpu-toleration',
  severity: 'warning',
  category: 'ml',
  description: 'GPU nodes are usually tainted (nvidia.com/gpu:NoSchedule); a GPU pod without a matching toleration stays Pending.',
  check(ctx) {
    for (const { pod, keys } of gpuPods(ctx)) {
      const tolerations = Array.isArray(pod.spec.tolerations) ? pod.spec.tolerations.filter(isRecord) : [];
      for (const k of keys) {
        const taint = TAINT_KEYS[k.startsWith('nvidia.com/') ? 'nvidia.com/gpu' : k];
        if (!taint) continue;
        const ok = tolerations.some((t) => (t.key === undefined && t.operator === 'Exists') || t.key === taint);
        if (ok) continue;
        const toleration = { key: taint, operator: 'Exists', effect: 'NoSchedule' };
        const at: Path = pod.spec.tolerations !== undefined ? [...pod.path, 'tolerations'] : containerKeyPath(ctx, pod);
        ctx.report(this.id, at, `This pod uses ${k} but does not tolerate the ${taint} taint that GPU nodes usually carry.`, {
          fixes: [{ title: `Tolerate the ${taint} taint`, edits: [ctx.append([...pod.path, 'tolerations'], toleration)], preferred: true }],
        });
      }
    }
  },
};

const GPU_NODE_LABEL = /gpu|accelerator|instance-type|instance-family|pci-10de|pci-1002/i;

export const gpuNodeSelector: Rule = {
  id: 'gpu-node-selector',
  severity: 'warning',
  category: 'ml',
  description:
    'A GPU pod should select a GPU product (nodeSelector or node affinity on nvidia.com/gpu.product, an accelerator or instance-type label) so it lands on the hardware it was sized for.',
  check(ctx) {
    for (const { pod, keys } of gpuPods(ctx)) {
      const selector = isRecord(pod.spec.nodeSelector) ? Object.keys(pod.spec.nodeSelector) : [];
      const terms = get(pod.spec, ['affinity', 'nodeAffinity', 'requiredDuringSchedulingIgnoredDuringExecution', 'nodeSelectorTerms']);
      const preferred = get(pod.spec, ['affinity', 'nodeAffinity', 'preferredDuringSchedulingIgnoredDuringExecution']);
      const affinityKeys: string[] = [];
      const collect = (term: unknown) => {
        for (const e of [...asArray(get(term, ['matchExpressions'])), ...asArray(get(term, ['matchFields']))])
          if (isRecord(e) && typeof e.key === 'string') affinityKeys.push(e.key);
      };
      asArray(terms).forEach(collect);
      asArray(preferred).forEach((p) => collect(get(p, ['preference'])));
      if ([...selector, ...affinityKeys].some((k) => GPU_NODE_LABEL.test(k))) continue;
      const nvidia = [...keys].some((k) => k.startsWith('nvidia.com/'));
      const fixes = nvidia
        ? [
            {
              title: 'Select nodes with nvidia.com/gpu.present: "true"',
              edits: [ctx.set([...pod.path, 'nodeSelector', 'nvidia.com/gpu.present'], 'true')],
              preferred: true,
            },
          ]
        : [];
      ctx.report(
        this.id,
        pod.spec.nodeSelector !== undefined ? [...pod.path, 'nodeSelector'] : containerKeyPath(ctx, pod),
        `This pod uses ${[...keys].join(', ')} but selects no GPU product (nodeSelector or node affinity).`,
        { fixes },
      );
    }
  },
};

export const shmSize: Rule = {
  id: 'shm-size',
  severity: 'warning',
  category: 'ml',
  description:
    'PyTorch DataLoader workers and NCCL share tensors through /dev/shm, which is 64 MiB by default: mount an emptyDir with medium: Memory there.',
  check(ctx) {
    const torchKind = ['PyTorchJob'].includes(ctx.head.kind);
    for (const pod of ctx.pods) {
      const containers = ctx.containers.filter((c) => c.pod === pod && !c.init && c.hasImage && c.resourcesKey === 'resources');
      const torch = containers.filter((c) => torchKind || looksLikePyTorch(c.container));
      if (torch.length === 0) continue;
      const volumes = Array.isArray(pod.spec.volumes) ? pod.spec.volumes.filter(isRecord) : [];
      const memVolumes = new Set(volumes.filter((v) => isRecord(v.emptyDir) && v.emptyDir.medium === 'Memory').map((v) => v.name));
      for (const c of torch) {
        const mounts = Array.isArray(c.container.volumeMounts) ? c.container.volumeMounts.filter(isRecord) : [];
        const shm = mounts.find((m) => m.mountPath === '/dev/shm');
        if (shm && memVolumes.has(shm.name)) continue;
        if (shm) {
          const i = (c.container.volumeMounts as unknown[]).indexOf(shm);
          ctx.report(
            this.id,
            [...c.path, 'volumeMounts', i, 'name'],
            `/dev/shm of ${containerLabel(c)} is not a memory-backed emptyDir (medium: Memory).`,
          );
          continue;
        }
        const names = new Set(volumes.map((v) => v.name));
        let name = 'dshm';
        for (let i = 1; names.has(name); i++) name = `dshm-${i}`;
        ctx.report(
          this.id,
          [...c.path, 'name'],
          `${cap(containerLabel(c))} looks like PyTorch but /dev/shm is the 64 MiB default; mount an emptyDir with medium: Memory there.`,
          {
            fixes: [
              {
                title: 'Mount a memory-backed emptyDir at /dev/shm',
                edits: [
                  ctx.append([...pod.path, 'volumes'], { name, emptyDir: { medium: 'Memory', sizeLimit: '8Gi' } }),
                  ctx.append([...c.path, 'volumeMounts'], { name, mountPath: '/dev/shm' }),
                ],
                preferred: true,
              },
            ],
          },
        );
      }
    }
  },
};

function jobSpecs(ctx: RuleContext): Array<{ path: Path; pod: PodSpecRef }> {
  const seen = new Set<string>();
  const out: Array<{ path: Path; pod: PodSpecRef }> = [];
  for (const pod of ctx.pods) {
    if (!pod.jobSpecPath) continue;
    const key = pod.jobSpecPath.join('.');
    if (!seen.has(key)) {
      seen.add(key);
      out.push({ path: pod.jobSpecPath, pod });
    }
  }
  return out;
}

export const jobRestartPolicy: Rule = {
  id: 'job-restart-policy',
  severity: 'error',
  category: 'ml',
  description: "A Job's pod template needs restartPolicy Never or OnFailure; Always (the Pod default) is rejected.",
  check(ctx) {
    for (const { pod } of jobSpecs(ctx)) {
      const rp = pod.spec.restartPolicy ?? pod.defaultRestartPolicy;
      if (rp === 'Never' || rp === 'OnFailure') continue;
      const path = [...pod.path, 'restartPolicy'];
      const msg =
        rp === undefined
          ? "The Job's pod template sets no restartPolicy: the default Always is not allowed for Jobs."
          : `restartPolicy ${String(rp)} is not allowed in a Job: use Never or OnFailure.`;
      ctx.report(this.id, rp === undefined ? pod.path : path, msg, {
        mode: 'key',
        fixes: [
          { title: 'Set restartPolicy: Never', edits: [ctx.set(path, 'Never')], preferred: true },
          { title: 'Set restartPolicy: OnFailure', edits: [ctx.set(path, 'OnFailure')] },
        ],
      });
    }
  },
};

export const jobBackoffLimit: Rule = {
  id: 'job-backoff-limit',
  severity: 'warning',
  category: 'ml',
  description: 'Without backoffLimit a failing Job is retried 6 times, each retry burning GPU hours; set it explicitly.',
  check(ctx) {
    for (const { path } of jobSpecs(ctx)) {
      const spec = get(ctx.value, path);
      if (!isRecord(spec) || spec.backoffLimit !== undefined || spec.backoffLimitPerIndex !== undefined) continue;
      ctx.report(this.id, path, 'The Job sets no backoffLimit: a failing run is retried 6 times.', {
        mode: 'key',
        fixes: [{ title: 'Set backoffLimit: 2', edits: [ctx.set([...path, 'backoffLimit'], 2)], preferred: true }],
      });
    }
  },
};

export const jobTtl: Rule = {
  id: 'job-ttl',
  severity: 'warning',
  category: 'ml',
  description: 'Without ttlSecondsAfterFinished a finished Job and its pods stay forever; set it so the cluster cleans up.',
  check(ctx) {
    if (ctx.head.kind !== 'Job') return;
    for (const { path } of jobSpecs(ctx)) {
      const spec = get(ctx.value, path);
      if (!isRecord(spec) || spec.ttlSecondsAfterFinished !== undefined) continue;
      ctx.report(this.id, path, 'The Job sets no ttlSecondsAfterFinished: it and its pods are never cleaned up.', {
        mode: 'key',
        fixes: [
          {
            title: 'Delete the Job a day after it finishes',
            edits: [ctx.set([...path, 'ttlSecondsAfterFinished'], 86400)],
            preferred: true,
          },
        ],
      });
    }
  },
};

export const pvcNotFound: Rule = {
  id: 'pvc-not-found',
  severity: 'error',
  category: 'cluster',
  description:
    'A volume claims a PersistentVolumeClaim that does not exist in the connected cluster (nor in this file): the pod would stay Pending.',
  check(ctx) {
    const names = ctx.facts.pvcNames?.(ctx.namespace);
    if (!names) return;
    const missing = (claim: string) => !names.has(claim) && !ctx.file.pvcs.has(`${ctx.namespace}/${claim}`);
    for (const pod of ctx.pods) {
      const vols = Array.isArray(pod.spec.volumes) ? pod.spec.volumes : [];
      vols.forEach((v, i) => {
        const claim = get(v, ['persistentVolumeClaim', 'claimName']);
        if (typeof claim === 'string' && missing(claim))
          ctx.report(
            this.id,
            [...pod.path, 'volumes', i, 'persistentVolumeClaim', 'claimName'],
            `No PersistentVolumeClaim "${claim}" in namespace ${ctx.namespace}.`,
          );
      });
    }
    for (const c of ctx.containers) {
      const uri = c.container.storageUri;
      const m = typeof uri === 'string' ? /^pvc:\/\/([^/]+)/.exec(uri) : null;
      if (m && missing(m[1]!))
        ctx.report(this.id, [...c.path, 'storageUri'], `No PersistentVolumeClaim "${m[1]}" in namespace ${ctx.namespace}.`);
    }
  },
};

const MAIN_CONTAINER: Record<string, string> = {
  PyTorchJob: 'pytorch',
  TFJob: 'tensorflow',
  XGBoostJob: 'xgboost',
  PaddleJob: 'paddle',
  JAXJob: 'jax',
};
const SINGLETON_ROLES = ['Master', 'Chief', 'Launcher'];

export const trainingReplicas: Rule = {
  id: 'training-replicas',
  severity: 'error',
  category: 'ml',
  description:
    'Distributed training jobs need exactly one Master/Chief/Launcher, at least one node, and the container name the operator looks for.',
  check(ctx) {
    const { kind } = ctx.head;
    if (kind === 'TrainJob') {
      const n = get(ctx.value, ['spec', 'trainer', 'numNodes']);
      if (n !== undefined && (typeof n !== 'number' || !Number.isInteger(n) || n < 1))
        ctx.report(this.id, ['spec', 'trainer', 'numNodes'], `numNodes must be a whole number of at least 1 (is ${String(n)}).`);
      if (typeof get(ctx.value, ['spec', 'runtimeRef', 'name']) !== 'string')
        ctx.report(
          this.id,
          ['spec', 'runtimeRef', 'name'],
          'A TrainJob needs spec.runtimeRef.name (a ClusterTrainingRuntime or TrainingRuntime, e.g. torch-distributed).',
          { mode: 'key' },
        );
      return;
    }
    const spec = get(ctx.value, ['spec']);
    if (!isRecord(spec)) return;
    for (const key of Object.keys(spec).filter((k) => k.endsWith('ReplicaSpecs'))) {
      const roles = spec[key];
      if (!isRecord(roles)) continue;
      for (const [role, rs] of Object.entries(roles)) {
        if (!isRecord(rs)) continue;
        const replicas = rs.replicas;
        if (SINGLETON_ROLES.includes(role) && replicas !== undefined && replicas !== 1) {
          ctx.report(this.id, ['spec', key, role, 'replicas'], `${kind} needs exactly one ${role} replica (has ${String(replicas)}).`, {
            fixes: [{ title: `Set ${role} replicas to 1`, edits: [ctx.set(['spec', key, role, 'replicas'], 1)], preferred: true }],
          });
        } else if (typeof replicas === 'number' && replicas < 1) {
          ctx.report(this.id, ['spec', key, role, 'replicas'], `${role} replicas must be at least 1 (is ${replicas}).`);
        }
        const want = MAIN_CONTAINER[kind];
        const containers = get(rs, ['template', 'spec', 'containers']);
        if (want && Array.isArray(containers) && !containers.some((c) => isRecord(c) && c.name === want)) {
          const i = containers.findIndex(isRecord);
          const p: Path = ['spec', key, role, 'template', 'spec', 'containers', Math.max(i, 0), 'name'];
          ctx.report(this.id, p, `The ${kind} operator runs the container named "${want}"; none in ${role} has that name.`, {
            fixes: i >= 0 ? [{ title: `Rename the container to "${want}"`, edits: [ctx.set(p, want)], preferred: true }] : [],
          });
        }
      }
    }
  },
};

/** KServe's own list (kserve v0.17.0 pkg/controller/v1beta1/inferenceservice/utils/utils.go SupportedStorageURIPrefixList). */
const STORAGE_SCHEMES = ['gs', 's3', 'pvc', 'file', 'https', 'http', 'hdfs', 'webhdfs', 'oci', 'hf'];
/** OCI with a transport (oci+fetch://, oci+native://): the OCI family, which KServe's model cars read; not an error. */
const OCI_TRANSPORT = /^oci\+[a-z0-9-]+$/;

export const isvcStorageUri: Rule = {
  id: 'isvc-storage-uri',
  severity: 'error',
  category: 'ml',
  description: `An InferenceService storageUri must use a scheme KServe's storage initializer knows: ${STORAGE_SCHEMES.map((s) => s + '://').join(', ')}.`,
  check(ctx) {
    if (ctx.head.kind !== 'InferenceService') return;
    for (const c of ctx.containers) {
      const uri = c.container.storageUri;
      if (typeof uri !== 'string') continue;
      const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(uri);
      if (m && (STORAGE_SCHEMES.includes(m[1]!.toLowerCase()) || OCI_TRANSPORT.test(m[1]!.toLowerCase()))) continue;
      ctx.report(
        this.id,
        [...c.path, 'storageUri'],
        m
          ? `Unknown storageUri scheme "${m[1]}://": use one of ${STORAGE_SCHEMES.join(', ')}.`
          : `storageUri "${uri}" has no scheme: use s3://, gs://, pvc://, hf://, https://, ...`,
      );
    }
  },
};

export const gpuSidecar: Rule = {
  id: 'gpu-sidecar',
  severity: 'warning',
  category: 'ml',
  description: 'GPUs on init containers or sidecars are held for the whole pod and wasted; give them to the main container.',
  check(ctx) {
    for (const c of gpuContainers(ctx)) {
      if (!c.init && !c.sidecar) continue;
      for (const k of gpuKeys(c)) {
        const part = res(c, 'limits')[k] !== undefined ? 'limits' : 'requests';
        if (quantityValue(res(c, part)[k]) === 0) continue;
        ctx.report(
          this.id,
          [...c.path, c.resourcesKey, part, k],
          `${cap(containerLabel(c))} asks for ${k}; GPUs belong to the main container.`,
        );
      }
    }
  },
};

function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** Where to underline a pod-level omission: the `containers` key, which every pod has. */
function containerKeyPath(_ctx: RuleContext, pod: PodSpecRef): Path {
  return pod.spec.containers !== undefined ? [...pod.path, 'containers'] : pod.path;
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export const mlRules: Rule[] = [
  gpuLimits,
  gpuFractional,
  gpuToleration,
  gpuNodeSelector,
  shmSize,
  jobRestartPolicy,
  jobBackoffLimit,
  jobTtl,
  pvcNotFound,
  trainingReplicas,
  isvcStorageUri,
  gpuSidecar,
];
