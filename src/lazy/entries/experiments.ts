// dist/experiments.js: the Runs view and the experiments panel (src/lazy/vscodeFeatures.ts loads it).
export { ExperimentsFeature } from '../../experiments/commands';
