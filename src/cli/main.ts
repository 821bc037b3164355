// The `kubeml` command-line program: the same rules and statistics as the extension, for CI.
//   kubeml lint FILES... [--format text|json|sarif]
//   kubeml drift REFERENCE CURRENT [--json]
//   kubeml run [train|validate] [--param k=v ...] [--follow] [--json], kubeml runs, kubeml compare RUN RUN...
import { driftMain } from './drift';
import { lintMain } from './lint';

const USAGE = `usage: kubeml <command> [options]

commands:
  lint FILES...               check Kubernetes manifests and kubeml.yaml (kubeml lint --help)
  drift REFERENCE CURRENT     compare two data sets feature by feature (kubeml drift --help)
  run [train|validate]        launch a run of the workspace's kubeml.yaml (kubeml run --help)
  runs                        list the workspace's runs (kubeml runs --help)
  compare RUN RUN...          parameters and metrics of runs side by side (kubeml compare --help)
  sweep                       launch the sweep of the workspace's kubeml.yaml (kubeml sweep --help)
`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'lint':
      return lintMain(rest, process.stdout);
    case 'drift':
      return driftMain(rest, process.stdout);
    // The run commands load the launcher (and the Kubernetes client) only when used.
    case 'sweep': {
      const [m, io] = await Promise.all([import('./sweep'), import('./runs')]);
      return m.sweepMain(rest, io.processIo());
    }
    case 'run':
    case 'runs':
    case 'compare': {
      const m = await import('./runs');
      const run = { run: m.runMain, runs: m.runsMain, compare: m.compareMain }[command];
      return run(rest, m.processIo());
    }
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`kubeml: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`kubeml: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 2;
  },
);
