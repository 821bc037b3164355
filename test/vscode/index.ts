// Entry point that VS Code loads as `extensionTestsPath`: runs every bundled *.test.js suite
// beside this file with mocha, inside the real extension host. Used by code-server here
// (scripts/test-vscode.mjs) and by desktop VS Code (scripts/test-desktop.mjs).
import { runMochaSuites } from '../support/mochaHost';

export function run(): Promise<void> {
  return runMochaSuites(__dirname);
}
