import { spawn } from 'node:child_process';
import { type ExecOptions, type ExecResult, ScriptTransport } from './transport';

/**
 * Runs the sync scripts with the local `sh` instead of a pod: the same scripts, the same tar
 * stream, a local folder as the "pod". Used by unit tests of the session and by the benchmark
 * as a no-network reference; never by the extension itself.
 */
export class LocalShellTransport extends ScriptTransport {
  readonly label = 'local shell';
  /** Makes the next `failNext` execs fail as a lost connection would. */
  failNext = 0;
  execCount = 0;

  /** `env`: the scripts' environment, e.g. a PATH whose find, stat and tar are BusyBox's. */
  constructor(private readonly opts: { readonly env?: NodeJS.ProcessEnv } = {}) {
    super();
  }

  exec(cmd: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    this.execCount++;
    if (this.failNext > 0) {
      this.failNext--;
      return Promise.reject(Object.assign(new Error('simulated lost connection'), { code: 'ECONNRESET' }));
    }
    return new Promise((resolve, reject) => {
      const child = spawn(cmd[0], cmd.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], signal: opts.signal, env: this.opts.env });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (c: Buffer) => out.push(c));
      child.stderr.on('data', (c: Buffer) => err.push(c));
      child.on('error', reject);
      child.on('close', (code) => resolve({ stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString(), exitCode: code ?? -1 }));
      child.stdin.on('error', () => undefined);
      if (opts.stdin) {
        void (async () => {
          for await (const chunk of opts.stdin!) {
            if (!child.stdin.write(chunk)) await new Promise((r) => child.stdin.once('drain', r));
          }
          child.stdin.end();
        })().catch(reject);
      } else {
        child.stdin.end();
      }
    });
  }
}
