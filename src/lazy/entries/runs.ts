// dist/runs.js: the run launcher (src/lazy/vscodeFeatures.ts loads it).
export { RunCommands } from '../../runs/commands';
export { RunStatusBar } from '../../runs/statusBar';
