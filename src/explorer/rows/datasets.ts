import { type KubeObject } from '../../cluster/read/informerState';
import { age, tooltipTable, type Row } from './common';

export const DATASET_LABEL = 'kubeml.io/dataset';

const ACCESS: Record<string, string> = { ReadWriteOnce: 'RWO', ReadOnlyMany: 'ROX', ReadWriteMany: 'RWX', ReadWriteOncePod: 'RWOP' };

interface PvcShape {
  spec?: { accessModes?: string[]; storageClassName?: string; volumeName?: string; resources?: { requests?: { storage?: string } } };
  status?: { phase?: string; capacity?: { storage?: string }; accessModes?: string[] };
}

export function isDatasetClaim(pvc: KubeObject): boolean {
  return pvc.metadata.labels?.[DATASET_LABEL] !== undefined;
}

export interface ClaimInfo {
  namespace: string;
  name: string;
  dataset: boolean;
  capacity?: string;
  phase: string;
  accessModes: string[];
  storageClass?: string;
  volume?: string;
}

export function claimInfo(pvc: KubeObject): ClaimInfo {
  const p = pvc as PvcShape;
  return {
    namespace: pvc.metadata.namespace ?? '',
    name: pvc.metadata.name,
    dataset: isDatasetClaim(pvc),
    capacity: p.status?.capacity?.storage ?? p.spec?.resources?.requests?.storage,
    phase: pvc.metadata.deletionTimestamp ? 'Terminating' : (p.status?.phase ?? 'Pending'),
    accessModes: (p.status?.accessModes ?? p.spec?.accessModes ?? []).map((m) => ACCESS[m] ?? m),
    storageClass: p.spec?.storageClassName,
    volume: p.spec?.volumeName,
  };
}

/** Labelled datasets first, then by namespace and name. */
export function compareClaims(a: ClaimInfo, b: ClaimInfo): number {
  return Number(b.dataset) - Number(a.dataset) || a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name);
}

export function claimRow(c: ClaimInfo, users: number, showNamespace: boolean, now: number, created?: string): Row {
  return {
    label: c.name,
    description: [
      showNamespace ? c.namespace : undefined,
      c.capacity,
      c.phase,
      c.accessModes.join(','),
      c.storageClass,
      users > 0 ? `${users} using` : undefined,
      age(created, now),
    ]
      .filter(Boolean)
      .join(' · '),
    tooltip: tooltipTable(`${c.dataset ? 'Dataset' : 'PersistentVolumeClaim'} ${c.namespace}/${c.name}`, [
      ['Capacity', c.capacity],
      ['Phase', c.phase],
      ['Access modes', c.accessModes.join(', ')],
      ['Storage class', c.storageClass ?? '(default)'],
      ['Volume', c.volume],
      ['Mounted by', `${users} pod(s) or job(s)`],
    ]),
    icon:
      c.phase === 'Bound'
        ? { id: c.dataset ? 'database' : 'archive', color: c.dataset ? 'charts.blue' : undefined }
        : { id: 'warning', color: 'list.warningForeground' },
    contextValue: `kubeml.dataset.pvc${c.dataset ? '.labelled' : ''}`,
    collapsible: users > 0 ? 'collapsed' : 'none',
  };
}

interface FluidShape {
  spec?: { mounts?: Array<{ mountPoint?: string; name?: string }>; accessModes?: string[] };
  status?: {
    phase?: string;
    ufsTotal?: string;
    cacheStates?: { cached?: string; cachedPercentage?: string; cacheCapacity?: string };
    runtimes?: Array<{ name: string; type?: string }>;
  };
}

export function fluidRow(ds: KubeObject, users: number, showNamespace: boolean, now: number): Row {
  const f = ds as FluidShape;
  const phase = f.status?.phase ?? 'NotBound';
  const runtime = f.status?.runtimes?.[0]?.type;
  return {
    label: ds.metadata.name,
    description: [
      showNamespace ? ds.metadata.namespace : undefined,
      'Fluid',
      f.status?.ufsTotal,
      phase,
      (f.spec?.accessModes ?? []).map((m) => ACCESS[m] ?? m).join(','),
      runtime,
      users > 0 ? `${users} using` : undefined,
      age(ds.metadata.creationTimestamp, now),
    ]
      .filter(Boolean)
      .join(' · '),
    tooltip: tooltipTable(`Fluid Dataset ${ds.metadata.namespace}/${ds.metadata.name}`, [
      ['Phase', phase],
      ['Total size', f.status?.ufsTotal],
      [
        'Cached',
        f.status?.cacheStates?.cached ? `${f.status.cacheStates.cached} (${f.status.cacheStates.cachedPercentage ?? '?'})` : undefined,
      ],
      ['Mounts', (f.spec?.mounts ?? []).map((m) => m.mountPoint).join(', ')],
      ['Runtime', runtime],
    ]),
    icon: phase === 'Bound' ? { id: 'database', color: 'charts.purple' } : { id: 'warning', color: 'list.warningForeground' },
    contextValue: 'kubeml.dataset.fluid',
    collapsible: users > 0 ? 'collapsed' : 'none',
  };
}

/** The volume-mount snippet for a claim (pod spec fragment). */
export function volumeMountSnippet(claim: string, mountPath = `/data/${claim}`, readOnly = true): string {
  return [
    `# volumes: (pod spec)`,
    `- name: ${claim}`,
    `  persistentVolumeClaim:`,
    `    claimName: ${claim}`,
    `    readOnly: ${readOnly}`,
    `# volumeMounts: (container)`,
    `- name: ${claim}`,
    `  mountPath: ${mountPath}`,
    `  readOnly: ${readOnly}`,
    '',
  ].join('\n');
}
