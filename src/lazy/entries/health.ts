// dist/health.js: job health (src/lazy/vscodeFeatures.ts loads it).
export { HealthFeature } from '../../health/commands';
