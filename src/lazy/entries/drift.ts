// dist/drift.js: the drift report panels (src/lazy/vscodeFeatures.ts loads it).
export { DriftCommands } from '../../drift/commands';
