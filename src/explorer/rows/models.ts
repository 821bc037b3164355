import { type KubeObject } from '../../cluster/read/informerState';
import { age, md, type Row } from './common';
import { safeUrl } from '../../common/redact';

export const MODEL_LABEL = 'kubeml.io/model';

type Cond = { type: string; status: string; reason?: string; message?: string };

export interface InferenceServiceInfo {
  namespace: string;
  name: string;
  ready: 'True' | 'False' | 'Unknown';
  conditions: Cond[];
  url?: string;
  runtime?: string;
  modelFormat?: string;
  storageUri?: string;
  canaryPercent?: number;
  latestReady?: string;
  latestCreated?: string;
  /** Knative TrafficTarget: revisionName, percent, latestRevision, tag. */
  traffic: Array<{ revisionName?: string; percent?: number; latestRevision?: boolean; tag?: string }>;
  lastFailure?: { reason?: string; message?: string; location?: string; exitCode?: number };
}

interface IsvcShape {
  spec?: {
    predictor?: Record<string, unknown> & {
      model?: { runtime?: string; storageUri?: string; modelFormat?: { name?: string } };
      canaryTrafficPercent?: number;
    };
  };
  status?: {
    url?: string;
    conditions?: Cond[];
    components?: {
      predictor?: { latestReadyRevision?: string; latestCreatedRevision?: string; traffic?: InferenceServiceInfo['traffic']; url?: string };
    };
    modelStatus?: { lastFailureInfo?: InferenceServiceInfo['lastFailure']; states?: { activeModelState?: string } };
  };
}

const FRAMEWORKS = ['sklearn', 'xgboost', 'tensorflow', 'pytorch', 'onnx', 'triton', 'lightgbm', 'pmml', 'paddle', 'huggingface'];

export function inferenceServiceInfo(o: KubeObject): InferenceServiceInfo {
  const s = o as IsvcShape;
  const pred = s.spec?.predictor ?? {};
  let storageUri = pred.model?.storageUri;
  let runtime = pred.model?.runtime;
  let format = pred.model?.modelFormat?.name;
  for (const fw of FRAMEWORKS) {
    const legacy = pred[fw] as { storageUri?: string; runtimeVersion?: string } | undefined;
    if (legacy && typeof legacy === 'object') {
      storageUri ??= legacy.storageUri;
      format ??= fw;
    }
  }
  if (!storageUri && Array.isArray(pred.containers)) runtime ??= 'custom container';
  const conditions = s.status?.conditions ?? [];
  const readyCond = conditions.find((c) => c.type === 'Ready');
  return {
    namespace: o.metadata.namespace ?? '',
    name: o.metadata.name,
    ready: readyCond?.status === 'True' ? 'True' : readyCond?.status === 'False' ? 'False' : 'Unknown',
    conditions,
    url: s.status?.url ?? s.status?.components?.predictor?.url,
    runtime,
    modelFormat: format,
    storageUri,
    canaryPercent: pred.canaryTrafficPercent,
    latestReady: s.status?.components?.predictor?.latestReadyRevision,
    latestCreated: s.status?.components?.predictor?.latestCreatedRevision,
    traffic: s.status?.components?.predictor?.traffic ?? [],
    lastFailure: s.status?.modelStatus?.lastFailureInfo,
  };
}

export function inferenceServiceRow(i: InferenceServiceInfo, showNamespace: boolean, now: number, created?: string): Row {
  const notReady = i.conditions.filter((c) => c.type !== 'Ready' && c.status !== 'True');
  const tooltip = [
    `**InferenceService ${md(i.namespace)}/${md(i.name)}**`,
    '',
    '| | |',
    '|---|---|',
    `| Ready | ${i.ready} |`,
    ...i.conditions
      .filter((c) => c.type !== 'Ready')
      .map((c) => `| ${md(c.type)} | ${md(c.status)}${c.reason ? ` (${md(c.reason)})` : ''} |`),
    i.url ? `| URL | ${md(safeUrl(i.url))} |` : '',
    i.runtime || i.modelFormat ? `| Runtime | ${md([i.modelFormat, i.runtime].filter(Boolean).join(' / '))} |` : '',
    i.storageUri ? `| storageUri | ${md(safeUrl(i.storageUri))} |` : '',
    i.canaryPercent !== undefined ? `| Canary traffic | ${i.canaryPercent}% |` : '',
    i.latestReady ? `| Latest ready revision | ${md(i.latestReady)} |` : '',
    i.latestCreated ? `| Latest created revision | ${md(i.latestCreated)} |` : '',
    ...i.traffic.map((t) => `| Traffic | ${t.percent ?? 0}% → ${md(t.revisionName)}${t.latestRevision ? ' (latest)' : ''} |`),
    i.lastFailure ? `| Last failure | ${md([i.lastFailure.reason, i.lastFailure.message].filter(Boolean).join(': '))} |` : '',
  ]
    .filter((l) => l !== '')
    .join('\n');
  return {
    label: i.name,
    description: [
      showNamespace ? i.namespace : undefined,
      i.ready === 'True' ? 'Ready' : i.ready === 'False' ? `Not ready${notReady[0]?.reason ? ` (${notReady[0].reason})` : ''}` : 'Unknown',
      i.modelFormat ?? i.runtime,
      i.canaryPercent !== undefined ? `canary ${i.canaryPercent}%` : undefined,
      i.url && safeUrl(i.url),
      age(created, now),
    ]
      .filter(Boolean)
      .join(' · '),
    tooltip,
    icon:
      i.ready === 'True'
        ? { id: 'pass-filled', color: 'testing.iconPassed' }
        : i.ready === 'False'
          ? { id: 'error', color: 'testing.iconFailed' }
          : { id: 'loading~spin' },
    contextValue: `kubeml.model.isvc${i.url ? '.url' : ''}`,
    collapsible: 'collapsed',
  };
}

/** Children of an InferenceService: its conditions, revisions and last failure, one row each. */
export function inferenceServiceDetailRows(i: InferenceServiceInfo): Array<{ id: string; row: Row }> {
  const rows: Array<{ id: string; row: Row }> = i.conditions.map((c) => ({
    id: `cond:${c.type}`,
    row: {
      label: c.type,
      description: [c.status, c.reason, c.message].filter(Boolean).join(' · '),
      icon:
        c.status === 'True'
          ? { id: 'check', color: 'testing.iconPassed' }
          : c.status === 'False'
            ? { id: 'close', color: 'testing.iconFailed' }
            : { id: 'question' },
      contextValue: 'kubeml.model.condition',
      collapsible: 'none',
    },
  }));
  if (i.storageUri)
    rows.push({
      id: 'storage',
      row: {
        label: 'storageUri',
        description: safeUrl(i.storageUri),
        icon: { id: 'package' },
        contextValue: 'kubeml.model.detail',
        collapsible: 'none',
      },
    });
  if (i.latestReady || i.latestCreated) {
    rows.push({
      id: 'revisions',
      row: {
        label: 'Revisions',
        description: `ready ${i.latestReady ?? '-'} · created ${i.latestCreated ?? '-'}`,
        icon: { id: 'versions' },
        contextValue: 'kubeml.model.detail',
        collapsible: 'none',
      },
    });
  }
  if (i.lastFailure) {
    rows.push({
      id: 'failure',
      row: {
        label: 'Last failure',
        description: [i.lastFailure.reason, i.lastFailure.message].filter(Boolean).join(': '),
        icon: { id: 'warning', color: 'list.warningForeground' },
        contextValue: 'kubeml.model.detail',
        collapsible: 'none',
      },
    });
  }
  return rows;
}

interface DeploymentShape {
  spec?: {
    replicas?: number;
    selector?: { matchLabels?: Record<string, string> };
    template?: { spec?: { containers?: Array<{ image?: string }> } };
  };
  status?: { readyReplicas?: number; availableReplicas?: number; replicas?: number };
}

export function isModelDeployment(d: KubeObject): boolean {
  return d.metadata.labels?.[MODEL_LABEL] !== undefined;
}

export function deploymentRow(d: KubeObject, showNamespace: boolean, now: number): Row {
  const s = d as DeploymentShape;
  const want = s.spec?.replicas ?? 1;
  const ready = s.status?.readyReplicas ?? 0;
  const image = s.spec?.template?.spec?.containers?.[0]?.image;
  return {
    label: d.metadata.name,
    description: [
      showNamespace ? d.metadata.namespace : undefined,
      'Deployment',
      `${ready}/${want} ready`,
      d.metadata.labels?.[MODEL_LABEL] || undefined,
      age(d.metadata.creationTimestamp, now),
    ]
      .filter(Boolean)
      .join(' · '),
    tooltip: `**Deployment ${md(d.metadata.namespace)}/${md(d.metadata.name)}**\n\nModel: ${md(d.metadata.labels?.[MODEL_LABEL])}\n\nImage: ${md(image)}\n\nReady: ${ready}/${want}`,
    icon: ready >= want && want > 0 ? { id: 'pass-filled', color: 'testing.iconPassed' } : { id: 'circle-outline', color: 'charts.yellow' },
    contextValue: 'kubeml.model.deployment',
    collapsible: 'collapsed',
  };
}

/** Pods a Deployment selects (matchLabels only). */
export function selects(d: KubeObject, pod: KubeObject): boolean {
  const sel = (d as DeploymentShape).spec?.selector?.matchLabels;
  if (!sel || pod.metadata.namespace !== d.metadata.namespace) return false;
  const labels = pod.metadata.labels ?? {};
  return Object.entries(sel).every(([k, v]) => labels[k] === v);
}
