/** Typed ids for everything the manifest contributes. package.json is checked against these by a test. */
export const EXTENSION_ID = 'kubeml.kubeml';

export const Views = {
  datasets: 'kubeml.datasets',
  jobs: 'kubeml.jobs',
  runs: 'kubeml.runs',
  queues: 'kubeml.queues',
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
  validateAgainstCluster: 'kubeml.validateAgainstCluster',
  setLintHardening: 'kubeml.setLintHardening',
  openDriftReport: 'kubeml.openDriftReport',
  startSync: 'kubeml.startSync',
  stopSync: 'kubeml.stopSync',
  followLogs: 'kubeml.followLogs',
  followLogsInTerminal: 'kubeml.followLogsInTerminal',
  describe: 'kubeml.describe',
  openYaml: 'kubeml.openYaml',
  deleteResource: 'kubeml.deleteResource',
  rerunJob: 'kubeml.rerunJob',
  portForward: 'kubeml.portForward',
  stopPortForward: 'kubeml.stopPortForward',
  copyClaimName: 'kubeml.copyClaimName',
  insertVolumeMount: 'kubeml.insertVolumeMount',
  browseDataset: 'kubeml.browseDataset',
  openModelUrl: 'kubeml.openModelUrl',
  testPrediction: 'kubeml.testPrediction',
  filterDatasets: 'kubeml.filterDatasets',
  filterJobs: 'kubeml.filterJobs',
  filterGpus: 'kubeml.filterGpus',
  filterModels: 'kubeml.filterModels',
  whyPending: 'kubeml.whyPending',
  checkJobHealth: 'kubeml.checkJobHealth',
  listIdleGpus: 'kubeml.listIdleGpus',
  launchTraining: 'kubeml.launchTraining',
  runValidation: 'kubeml.runValidation',
  rerun: 'kubeml.rerun',
  cancelRun: 'kubeml.cancelRun',
  showRunLogs: 'kubeml.showRunLogs',
  showRunManifest: 'kubeml.showRunManifest',
  openRawRunLog: 'kubeml.openRawRunLog',
  createMissingClaims: 'kubeml.createMissingClaims',
  filterRuns: 'kubeml.filterRuns',
  clearRunsFilter: 'kubeml.clearRunsFilter',
  rerunWithChanges: 'kubeml.rerunWithChanges',
  revealRunFolder: 'kubeml.revealRunFolder',
  deleteRunRecord: 'kubeml.deleteRunRecord',
  openExperiments: 'kubeml.openExperiments',
  compareRuns: 'kubeml.compareRuns',
  launchSweep: 'kubeml.launchSweep',
  cancelSweep: 'kubeml.cancelSweep',
} as const;
export type CommandId = (typeof Commands)[keyof typeof Commands];

/** Context keys that drive `when` clauses in package.json. */
export const ContextKeys = {
  connection: 'kubeml:connection',
  /** The Runs view has a name or status filter. */
  runsFiltered: 'kubeml:runsFiltered',
} as const;

export const OUTPUT_CHANNEL = 'KubeML';
