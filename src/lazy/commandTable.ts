import { Commands } from '../constants';

/** The parts of KubeML that load on first use, each its own bundle (dist/<name>.js). */
export type FeatureName = 'explorer' | 'lint' | 'runs' | 'sync' | 'drift' | 'experiments' | 'queues' | 'health';
export const FEATURES: readonly FeatureName[] = ['explorer', 'lint', 'runs', 'sync', 'drift', 'experiments', 'queues', 'health'];

type CommandKey = keyof typeof Commands;
/** Registered at activation by the connection controller (the main bundle). */
export const CORE_COMMANDS = [
  'selectContext',
  'selectNamespace',
  'selectKubeconfig',
  'refresh',
  'showLog',
] as const satisfies readonly CommandKey[];

/**
 * Which feature registers each command. Activation registers a thin handler for every one of
 * them; the first call loads the feature, whose own registration then replaces the handler.
 * A Record over all command keys: a new command in src/constants.ts does not compile until it
 * is placed here (src/lazy/commandTable.test.ts checks the feature really registers it).
 */
export const COMMAND_FEATURES: Record<Exclude<CommandKey, (typeof CORE_COMMANDS)[number]>, FeatureName> = {
  validateAgainstCluster: 'lint',
  setLintHardening: 'lint',
  openDriftReport: 'drift',
  startSync: 'sync',
  stopSync: 'sync',
  followLogs: 'explorer',
  followLogsInTerminal: 'explorer',
  describe: 'explorer',
  openYaml: 'explorer',
  deleteResource: 'explorer',
  rerunJob: 'explorer',
  portForward: 'explorer',
  stopPortForward: 'explorer',
  copyClaimName: 'explorer',
  insertVolumeMount: 'explorer',
  browseDataset: 'explorer',
  openModelUrl: 'explorer',
  testPrediction: 'explorer',
  filterDatasets: 'explorer',
  filterJobs: 'explorer',
  filterGpus: 'explorer',
  filterModels: 'explorer',
  whyPending: 'explorer',
  checkJobHealth: 'health',
  listIdleGpus: 'health',
  launchTraining: 'runs',
  runValidation: 'runs',
  rerun: 'runs',
  cancelRun: 'runs',
  showRunLogs: 'runs',
  showRunManifest: 'runs',
  openRawRunLog: 'runs',
  createMissingClaims: 'runs',
  filterRuns: 'experiments',
  clearRunsFilter: 'experiments',
  rerunWithChanges: 'experiments',
  revealRunFolder: 'experiments',
  deleteRunRecord: 'experiments',
  openExperiments: 'experiments',
  compareRuns: 'experiments',
  launchSweep: 'runs',
  cancelSweep: 'runs',
};

const byId = new Map<string, FeatureName>(Object.entries(COMMAND_FEATURES).map(([key, feature]) => [Commands[key as CommandKey], feature]));
const core = new Set<string>(CORE_COMMANDS.map((k) => Commands[k]));

/** The feature that registers `id`; undefined for the core commands and for ids KubeML does not know. */
export function featureOfCommand(id: string): FeatureName | undefined {
  return byId.get(id);
}

export function isCoreCommand(id: string): boolean {
  return core.has(id);
}
