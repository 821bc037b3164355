// extensionTestsPath for the packaged build: runs installed.test.js beside this file.
import { runMochaSuites } from '../support/mochaHost';

export function run(): Promise<void> {
  return runMochaSuites(__dirname);
}
