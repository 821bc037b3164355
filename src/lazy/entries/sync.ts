// dist/sync.js: file sync into pods (src/lazy/vscodeFeatures.ts loads it).
export { SyncController } from '../../sync/commands';
export { SyncStatusBar } from '../../sync/statusBar';
