import { get, isRecord } from './document';
import type { Path } from './types';
import type { PodSpecRef, ResourceHead } from './workload';

/**
 * Where the ML CRDs that workload.ts does not spell out keep their pod specs, checked against the
 * CRDs (Go types) of kubeflow/trainer v2.0.0, kserve v0.16.0 and kuberay v1.5.0:
 * - TrainingRuntime / ClusterTrainingRuntime (trainer.kubeflow.org): spec.template is a JobSet
 *   template, so spec.template.spec.replicatedJobs[].template.spec.template.spec;
 * - LLMInferenceService / LLMInferenceServiceConfig (serving.kserve.io): spec.template and
 *   spec.worker are PodSpecs themselves, as are spec.prefill.template, spec.prefill.worker and
 *   spec.router.scheduler.template.
 * TrainJob's spec.podSpecOverrides carry no container images or resources (ContainerOverride is
 * name, env and volumeMounts), so they are not pod specs to lint.
 */
export function mlPodSpecs(value: unknown, head: ResourceHead): PodSpecRef[] | undefined {
  switch (head.kind) {
    case 'TrainingRuntime':
    case 'ClusterTrainingRuntime':
      return head.group === 'trainer.kubeflow.org' ? jobSetPods(value, ['spec', 'template', 'spec']) : undefined;
    case 'LLMInferenceService':
    case 'LLMInferenceServiceConfig': {
      if (head.group !== 'serving.kserve.io') return undefined;
      const out: PodSpecRef[] = [];
      const places: Array<[Path, string]> = [
        [['spec', 'template'], 'decode'],
        [['spec', 'worker'], 'worker'],
        [['spec', 'prefill', 'template'], 'prefill'],
        [['spec', 'prefill', 'worker'], 'prefill-worker'],
        [['spec', 'router', 'scheduler', 'template'], 'scheduler'],
      ];
      for (const [path, role] of places) {
        const spec = get(value, path);
        if (isRecord(spec)) out.push({ path, spec, role });
      }
      return out;
    }
    default:
      return undefined;
  }
}

/** The pod specs of a JobSet spec at `base` (a JobSet, or the JobSet template of a training runtime). */
export function jobSetPods(value: unknown, base: Path): PodSpecRef[] {
  const jobs = get(value, [...base, 'replicatedJobs']);
  if (!Array.isArray(jobs)) return [];
  const out: PodSpecRef[] = [];
  jobs.forEach((j, i) => {
    const jobSpecPath: Path = [...base, 'replicatedJobs', i, 'template', 'spec'];
    const path: Path = [...jobSpecPath, 'template', 'spec'];
    const spec = get(value, path);
    const role = isRecord(j) && typeof j.name === 'string' ? j.name : undefined;
    // JobSet's webhook sets restartPolicy OnFailure on a template without one (pkg/webhooks/jobset_webhook.go, v0.8.0).
    if (isRecord(spec)) out.push({ path, spec, role, jobSpecPath, defaultRestartPolicy: 'OnFailure' });
  });
  return out;
}
