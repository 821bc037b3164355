import { runMochaSuites } from '../../test/support/mochaHost';

export function run(): Promise<void> {
  return runMochaSuites(__dirname);
}
