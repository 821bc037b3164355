// dist/lint.js: manifest diagnostics and Validate Against Cluster (src/lazy/vscodeFeatures.ts loads it).
export { LintDiagnostics } from '../../lint/diagnostics';
export { LintCommands } from '../../lint/commands';
