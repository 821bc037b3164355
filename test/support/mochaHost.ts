import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
// mocha stays external to the bundle and resolves from the repository's node_modules.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- mocha is CommonJS and stays outside the bundle
import Mocha = require('mocha');

interface TestRecord {
  title: string;
  state: 'passed' | 'failed' | 'pending';
  durationMs?: number;
  error?: string;
}

/**
 * Runs every *.test.js in `dir` inside this extension host. Writes a JSON summary to
 * $KUBEML_TEST_RESULTS (the harness prints it) and rejects when any test failed.
 */
export async function runMochaSuites(dir: string): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: Number(process.env.KUBEML_TEST_TIMEOUT ?? 60_000), reporter: 'spec' });
  const grep = process.env.KUBEML_TEST_GREP;
  if (grep) mocha.grep(grep);
  for (const f of fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.test.js'))
    .sort()) {
    mocha.addFile(path.join(dir, f));
  }
  const records: TestRecord[] = [];
  const out = process.env.KUBEML_TEST_RESULTS;
  // Written after every test, so a suite stopped by the harness's time budget still tells what
  // passed, what failed and which test was running.
  let running: string | undefined;
  const write = (finished: boolean) => {
    if (!out) return;
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(
      out,
      JSON.stringify({ vscodeVersion: vscode.version, appName: vscode.env.appName, finished, running, records }, null, 2),
    );
  };
  const failures = await new Promise<number>((resolve) => {
    const runner = mocha.run((n) => resolve(n));
    runner.on('test', (t) => {
      running = t.fullTitle();
      write(false);
    });
    runner.on('pass', (t) => {
      records.push({ title: t.fullTitle(), state: 'passed', durationMs: t.duration });
      write(false);
    });
    runner.on('fail', (t, err: Error) => {
      records.push({ title: t.fullTitle(), state: 'failed', error: `${err.message}\n${err.stack ?? ''}`.slice(0, 4000) });
      write(false);
    });
    runner.on('pending', (t) => records.push({ title: t.fullTitle(), state: 'pending' }));
  });
  running = undefined;
  write(true);
  if (failures > 0) {
    throw new Error(`${failures} test(s) failed`);
  }
}
