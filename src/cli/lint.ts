import { closeSync, constants, fstatSync, openSync, readdirSync, readSync, statSync, type Dirent, type Stats } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { IncrementalLinter, looksLikeKubernetes, type LintConfig } from '../lint/engine';
import { cachedNodeFs, classifyFile, lintByKind, worthLinting, type Classified } from '../lint/fileKind';
import { renderTargets } from './render';
import { formatJson, formatSarif, formatText, summarize, summaryLine, type FileFindings } from '../lint/format';
import { ruleMetas } from '../lint/rules';
import { bundledValidator } from '../lint/schema/bundled';
import { KUBERNETES_VERSIONS, NEWEST_KUBERNETES, parseKubernetesVersion } from '../lint/schema/versions';
import type { Finding, SeveritySetting } from '../lint/types';
import { messageOf } from '../common/errors';

const USAGE = `Usage: kubeml lint [options] FILE|DIR...

Lints Kubernetes manifests (and kubeml.yaml) with the rules of the KubeML editor diagnostics.
Folders are searched for *.yaml / *.yml files that hold Kubernetes objects. "-" reads stdin.
A folder search does not follow links to folders (name such a folder to lint it); links to files
are followed. What cannot be linted (unreadable, not a regular file such as a FIFO or a device,
over the size limit, binary, nested thousands of levels deep, aliases that expand past a million
nodes, or out of time) gets one error finding of rule lint-limits. Any number of aliases is fine.

Helm charts: with helm (on the PATH, or KUBEML_HELM) a chart's templates are rendered as
\`helm template CHART --include-crds\` with the chart's values, and each finding is placed back in
its template; without helm, templates are linted with their {{ }} actions masked (one info
finding per file says so). Chart.yaml and values.yaml are never Kubernetes objects.
Kustomize: kustomization.yaml is checked against kustomize's fields; the files it names as
patches are parts of objects (no required fields). With kustomize (KUBEML_KUSTOMIZE, kustomize or
kubectl on the PATH) a folder's top kustomizations are built and the findings placed back in the
resource files, by kind and name. kubeml.yaml is checked against its own schema only.

Options:
  --format text|json|sarif   output format (default text: file:line:col severity rule-id message)
  --disable RULE[,RULE]      turn rules off (repeatable)
  --severity RULE=LEVEL      set a rule's severity: error, warning, info, hint or off (repeatable)
  --kubernetes-version V     check against the bundled schema of Kubernetes V: ${KUBERNETES_VERSIONS.join(', ')}
                             (default ${NEWEST_KUBERNETES}, the newest; v1.33.13 means 1.33)
  --no-schema                skip the schema checks (Kubernetes and the bundled custom resources)
  --max-file-size MB         do not read larger files (default 20)
  --time-budget SECONDS      stop linting a file after this long, within a document too (default 60)
  --list-rules               print the rules and exit
  -h, --help                 print this help

Exit status: 0 no error-severity finding, 1 some error finding, 2 usage error or some file not
linted in full (a lint-limits finding; the other files are still linted and reported).
`;

const VERSION = '0.1.0';
const LEVELS = ['error', 'warning', 'info', 'hint', 'off'];

interface Options {
  format: 'text' | 'json' | 'sarif';
  rules: Record<string, SeveritySetting>;
  schema: boolean;
  kubernetesVersion: string;
  maxMb: number;
  budgetS: number;
  paths: string[];
}

class UsageError extends Error {}

/** A file that was not linted must not pass silently: lint-limits keeps its severity and exit status. */
function fixedRule(id: string): void {
  if (id === 'lint-limits')
    throw new UsageError(
      'lint-limits cannot be turned off or down: a file that was not linted in full makes the exit status 2. Leave such files out of the paths instead.',
    );
}

function parseArgs(args: string[]): Options | 'help' | 'list' {
  const o: Options = { format: 'text', rules: {}, schema: true, kubernetesVersion: NEWEST_KUBERNETES, maxMb: 20, budgetS: 60, paths: [] };
  const known = new Set(ruleMetas.map((r) => r.id));
  const value = (i: number, flag: string) => {
    const v = args[i + 1];
    if (v === undefined) throw new UsageError(`${flag} needs a value.`);
    return v;
  };
  for (let i = 0; i < args.length; i++) {
    let a = args[i]!;
    let inline: string | undefined;
    if (a.startsWith('--') && a.includes('=') && !a.startsWith('--severity='))
      [a, inline] = [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)];
    else if (a.startsWith('--severity=')) [a, inline] = ['--severity', a.slice('--severity='.length)];
    const take = () => inline ?? value(i++, a);
    switch (a) {
      case '-h':
      case '--help':
        return 'help';
      case '--list-rules':
        return 'list';
      case '--format': {
        const f = take();
        if (f !== 'text' && f !== 'json' && f !== 'sarif') throw new UsageError(`Unknown format "${f}": use text, json or sarif.`);
        o.format = f;
        break;
      }
      case '--disable':
        for (const id of take().split(',').filter(Boolean)) {
          fixedRule(id);
          if (!known.has(id)) throw new UsageError(`Unknown rule "${id}" (kubeml lint --list-rules lists them).`);
          o.rules[id] = 'off';
        }
        break;
      case '--severity': {
        const [id, level] = take().split('=');
        if (!id || !known.has(id)) throw new UsageError(`Unknown rule "${id ?? ''}" (kubeml lint --list-rules lists them).`);
        fixedRule(id);
        if (!level || !LEVELS.includes(level)) throw new UsageError(`Unknown severity "${level ?? ''}": use ${LEVELS.join(', ')}.`);
        o.rules[id] = level as SeveritySetting;
        break;
      }
      case '--no-schema':
        o.schema = false;
        break;
      case '--kubernetes-version': {
        const v = take();
        const minor = parseKubernetesVersion(v);
        if (!minor) throw new UsageError(`KubeML bundles no schema for Kubernetes "${v}": use one of ${KUBERNETES_VERSIONS.join(', ')}.`);
        o.kubernetesVersion = minor;
        break;
      }
      case '--max-file-size': {
        const n = Number(take());
        if (!(n > 0)) throw new UsageError('--max-file-size takes a number of megabytes above 0.');
        o.maxMb = n;
        break;
      }
      case '--time-budget': {
        const n = Number(take());
        if (!(n > 0)) throw new UsageError('--time-budget takes a number of seconds above 0.');
        o.budgetS = n;
        break;
      }
      default:
        if (a.startsWith('-') && a !== '-') throw new UsageError(`Unknown option ${a}.`);
        o.paths.push(a);
    }
  }
  if (o.paths.length === 0) throw new UsageError('Give at least one file or folder to lint.');
  return o;
}

const SKIP_DIRS = new Set(['node_modules', '.git', 'dist', 'out', '.vscode-test']);
const YAML_NAME = /\.ya?ml$/i;
/** How much of a too-large file found in a folder is read to tell whether it holds Kubernetes objects. */
const HEAD_BYTES = 64 * 1024;

/** A file to lint, or a path that cannot be linted and why (reported as a lint-limits finding). */
interface Target {
  file: string;
  explicit: boolean;
  problem?: string;
}

/**
 * Files to lint: given paths as they are (a link given by name is followed); under folders, *.yaml /
 * *.yml entries. A folder walk never follows a link to a folder (a link to / or back up the tree
 * would walk the file system or loop), and a folder reached twice (bind mounts, a folder given
 * twice) is walked once. Links to files are followed; what they point to is checked when read.
 */
function collect(path: string, explicit: boolean, out: Target[], seen: Set<string>): void {
  let st: Stats;
  try {
    st = statSync(path);
  } catch (e) {
    out.push({ file: path, explicit, problem: unreadable(e) });
    return;
  }
  if (!st.isDirectory()) {
    out.push({ file: path, explicit });
    return;
  }
  const id = `${st.dev}:${st.ino}`;
  if (seen.has(id)) return;
  seen.add(id);
  let entries: Dirent[];
  try {
    entries = readdirSync(path, { withFileTypes: true });
  } catch (e) {
    out.push({ file: path, explicit, problem: `cannot list the folder: ${reason(e)}. ${fixFor(e)}` });
    return;
  }
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name)) collect(child, false, out, seen);
      continue;
    }
    if (!YAML_NAME.test(entry.name) && entry.name !== 'Kustomization') continue;
    if (entry.isSymbolicLink()) {
      let target: Stats;
      try {
        target = statSync(child);
      } catch (e) {
        out.push({ file: child, explicit: false, problem: unreadable(e) });
        continue;
      }
      if (target.isDirectory()) continue;
    }
    out.push({ file: child, explicit: false });
  }
}

const mb = (n: number) => (n / 1024 / 1024).toFixed(1);

function reason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ELOOP') return 'a loop of symbolic links';
  if (code === 'ENOENT') return 'it does not exist (or is a link to nothing)';
  return messageOf(e);
}

function fixFor(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return 'Give the user running kubeml lint read access, or leave it out.';
  if (code === 'ELOOP' || code === 'ENOENT') return 'Fix the path or the link, or remove it.';
  return 'Check the path.';
}

function unreadable(e: unknown): string {
  return `cannot read it: ${reason(e)}. ${fixFor(e)}`;
}

function kindOf(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  if (st.isDirectory()) return 'a folder';
  return 'not a file';
}

type ReadResult = { text: string } | { problem: string; head?: string };

/**
 * Reads a file only when it is a regular file within the size limit, both checked before reading
 * (a FIFO, /dev/zero or a huge file is never read). O_NONBLOCK: a FIFO swapped in after the check
 * does not block the open either.
 */
function readTarget(file: string, limit: number): ReadResult {
  const notRegular = (st: Stats) => ({
    problem: `not a regular file (${kindOf(st)}). ${st.isFIFO() ? 'Pipe it to stdin with "-" instead, or leave it out.' : 'Leave it out of the paths to lint.'}`,
  });
  const tooLarge = (size: number) =>
    `the file is ${mb(size)} MB, over the ${mb(limit)} MB limit (raise it with --max-file-size, or leave the file out).`;
  let fd: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) return notRegular(st);
    fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    return { problem: unreadable(e) };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return notRegular(st);
    if (st.size > limit) return { problem: tooLarge(st.size), head: readUpTo(fd, HEAD_BYTES).toString('utf8') };
    // The file may grow between fstat and read: never read more than the limit allows.
    const buf = readUpTo(fd, limit + 1);
    if (buf.length > limit) return { problem: tooLarge(buf.length), head: buf.subarray(0, HEAD_BYTES).toString('utf8') };
    return { text: buf.toString('utf8') };
  } catch (e) {
    return { problem: unreadable(e) };
  } finally {
    closeSync(fd);
  }
}

function readUpTo(fd: number, max: number): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  while (total < max) {
    const chunk = Buffer.allocUnsafe(Math.min(max - total, 1024 * 1024));
    const n = readSync(fd, chunk, 0, chunk.length, null);
    if (n === 0) break;
    chunks.push(chunk.subarray(0, n));
    total += n;
  }
  return Buffer.concat(chunks, total);
}

function notLintedFinding(message: string): Finding {
  const at = { line: 0, col: 0 };
  return {
    ruleId: 'lint-limits',
    severity: 'error',
    message: `Not linted: ${message}`,
    start: 0,
    end: 0,
    startPos: at,
    endPos: at,
    docIndex: 0,
  };
}

export async function lintMain(args: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  let opts: Options;
  try {
    const parsed = parseArgs(args);
    if (parsed === 'help') {
      out.write(USAGE);
      return 0;
    }
    if (parsed === 'list') {
      for (const r of ruleMetas) out.write(`${r.id.padEnd(32)} ${r.severity.padEnd(8)} ${r.description}\n`);
      return 0;
    }
    opts = parsed;
  } catch (e) {
    if (e instanceof UsageError) {
      err.write(`kubeml lint: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    throw e;
  }

  const targets: Target[] = [];
  const seen = new Set<string>();
  for (const p of opts.paths) {
    if (p === '-') targets.push({ file: '-', explicit: true });
    else collect(p, true, targets, seen);
  }

  const maxFileBytes = opts.maxMb * 1024 * 1024;
  const config: LintConfig = { rules: opts.rules, schema: opts.schema, maxFileBytes, timeBudgetMs: opts.budgetS * 1000 };
  try {
    if (opts.schema) config.bundledSchema = bundledValidator(opts.kubernetesVersion);
  } catch (e) {
    err.write(`kubeml lint: ${messageOf(e)}\n`);
    return 2;
  }
  const results: FileFindings[] = [];
  const kinds = new Map<string, Classified>();
  const fsProbe = cachedNodeFs();
  for (const t of targets) if (t.file !== '-' && !t.problem) kinds.set(t.file, classifyFile(t.file, undefined, fsProbe));
  // Charts and kustomizations are rendered (helm template, kustomize build) when the tool is there.
  const plan = renderTargets(
    targets.flatMap((t) => (kinds.has(t.file) ? [{ abs: resolve(t.file), kind: kinds.get(t.file)! }] : [])),
    config,
    opts.budgetS * 1000,
    err,
  );
  const reported = new Set<string>();
  let resources = plan.resources;
  let notLinted = 0;
  for (const { file, explicit, problem } of targets) {
    const name = file === '-' ? '<stdin>' : file;
    const read: ReadResult = problem ? { problem } : file === '-' ? await readStdin(maxFileBytes) : readTarget(file, maxFileBytes);
    if ('problem' in read) {
      // A too-large file found in a folder is reported only when its head looks like Kubernetes.
      if (!explicit && read.head !== undefined && !looksLikeKubernetes(read.head)) continue;
      err.write(`kubeml lint: cannot lint ${name}: ${read.problem}\n`);
      results.push({ file: name, findings: [notLintedFinding(read.problem)] });
      notLinted++;
      continue;
    }
    const text = read.text;
    const abs = file === '-' ? '' : resolve(file);
    const kind: Classified = file === '-' ? { kind: 'manifest' } : classifyFile(file, text, fsProbe);
    if (!explicit && !worthLinting(kind, () => looksLikeKubernetes(text))) continue;
    reported.add(abs);
    const rendered = plan.replace.get(abs);
    if (rendered) {
      results.push({ file: name, findings: rendered });
      continue;
    }
    const r = lintByKind(new IncrementalLinter(), kind, text, config, plan.notes.get(abs));
    resources += r.resources;
    r.findings.push(...(plan.extra.get(abs) ?? []));
    // lint-limits: the file was not linted in full (binary, or out of time); an error on the command line.
    let limited = false;
    const findings = r.findings.map((f) => (f.ruleId === 'lint-limits' ? ((limited = true), { ...f, severity: 'error' as const }) : f));
    if (limited) notLinted++;
    results.push({ file: name, findings });
  }
  // Files a render placed findings in that were not among the paths (a base of an overlay): reported too.
  for (const [abs, findings] of plan.replace)
    if (!reported.has(abs) && findings.length) results.push({ file: relative(process.cwd(), abs) || abs, findings });
  const summary = summarize(results, resources);
  if (opts.format === 'json') out.write(formatJson(results, summary));
  else if (opts.format === 'sarif') out.write(formatSarif(results, VERSION));
  else {
    out.write(formatText(results));
    err.write(summaryLine(summary) + '\n');
  }
  if (notLinted > 0) {
    err.write(
      `kubeml lint: ${notLinted} file${notLinted === 1 ? ' was' : 's were'} not linted or not linted in full (lint-limits findings): exit status 2.\n`,
    );
    return 2;
  }
  return summary.error > 0 ? 1 : 0;
}

async function readStdin(limit: number): Promise<ReadResult> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const c of process.stdin) {
    const b = typeof c === 'string' ? Buffer.from(c) : (c as Buffer);
    chunks.push(b);
    total += b.length;
    // Stop reading at the limit: stdin may be endless (yes | kubeml lint -).
    if (total > limit) {
      process.stdin.destroy();
      return { problem: `stdin holds more than the ${mb(limit)} MB limit (raise it with --max-file-size).` };
    }
  }
  return { text: Buffer.concat(chunks).toString('utf8') };
}
