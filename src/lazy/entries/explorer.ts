// dist/explorer.js: the live trees' models and the explorer commands (src/lazy/vscodeFeatures.ts loads it).
export { ExplorerViews } from '../../explorer/views';
