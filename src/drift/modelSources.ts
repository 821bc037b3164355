/**
 * Where the drift data of a deployed model is (Open Drift Report on a row of the Models view):
 * the validation runs of this workspace that compared data for it, and its drift gauges in
 * Prometheus. Plain Node; no `vscode`.
 */
import type { RunRecord } from '../model/runRecords';

/** A model as the Models view knows it. */
export interface ModelRef {
  readonly kind: 'inferenceService' | 'deployment';
  readonly namespace?: string;
  readonly name: string;
  /** A Deployment's kubeml.io/model label. */
  readonly model?: string;
  /** An InferenceService's storageUri. */
  readonly storageUri?: string;
}

const trimSlashes = (u: string) => u.replace(/\/+$/, '');

/**
 * A validation run with a drift report for this model: it validated the model's storage URI, or
 * the training run whose artifacts the storage URI points into (a path segment that is the run
 * id, as in pvc://kubeml-artifacts/<run>/model), or it ran with the model's name as its `model`
 * parameter.
 */
export function validatesModel(r: RunRecord, m: ModelRef): boolean {
  if (r.purpose !== 'validate' || !r.hasDrift) return false;
  const uri = m.storageUri ? trimSlashes(m.storageUri) : undefined;
  if (uri && r.model?.kind === 'uri' && trimSlashes(r.model.uri) === uri) return true;
  if (uri && r.model?.kind === 'run') {
    // The path after the claim or bucket (the URI's authority).
    const segments = uri.replace(/^[a-z0-9+.-]+:\/\/[^/]*/i, '').split('/');
    if (segments.includes(r.model.runId)) return true;
  }
  const param = r.params?.model;
  return typeof param === 'string' && param !== '' && (param === m.name || param === m.model);
}

/** The `model` label values its drift gauges may carry, most specific first. */
export function gaugeLabels(m: ModelRef): string[] {
  return [...new Set([m.model, m.name].filter((x): x is string => !!x))];
}
