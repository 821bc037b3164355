// dist/queues.js: the Queues view (src/lazy/vscodeFeatures.ts loads it).
export { QueuesFeature } from '../../queues/commands';
