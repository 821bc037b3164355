/** Typed ids for everything the manifest contributes. package.json is checked against these by a test. */
export const EXTENSION_ID = 'kubeml.kubeml';

export const Views = {
  datasets: 'kubeml.datasets',
  jobs: 'kubeml.jobs',
  gpus: 'kubeml.gpus',
  models: 'kubeml.models',
} as const;
export type ViewId = (typeof Views)[keyof typeof Views];

export const Commands = {
  selectContext: 'kubeml.selectContext',
  selectNamespace: 'kubeml.selectNamespace',
  selectKubeconfig: 'kubeml.selectKubeconfig',
  refresh: 'kubeml.refresh',
  showLog: 'kubeml.showLog',
} as const;
export type CommandId = (typeof Commands)[keyof typeof Commands];

/** Context keys that drive `when` clauses in package.json. */
export const ContextKeys = {
  connection: 'kubeml:connection',
} as const;

export const OUTPUT_CHANNEL = 'KubeML';
