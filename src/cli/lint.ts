import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { lintText, looksLikeKubernetes, type LintConfig } from '../lint/engine';
import { formatJson, formatSarif, formatText, summarize, summaryLine, type FileFindings } from '../lint/format';
import { ruleMetas } from '../lint/rules';
import { bundledValidator, PINNED_KUBERNETES } from '../lint/schema/bundled';
import type { SeveritySetting } from '../lint/types';
import { messageOf } from '../common/errors';

const USAGE = `Usage: kubeml lint [options] FILE|DIR...

Lints Kubernetes manifests (and kubeml.yaml) with the rules of the KubeML editor diagnostics.
Folders are searched for *.yaml / *.yml files that hold Kubernetes objects. "-" reads stdin.

Options:
  --format text|json|sarif   output format (default text: file:line:col severity rule-id message)
  --disable RULE[,RULE]      turn rules off (repeatable)
  --severity RULE=LEVEL      set a rule's severity: error, warning, info, hint or off (repeatable)
  --no-schema                skip the Kubernetes ${PINNED_KUBERNETES} schema checks
  --max-file-size MB         skip larger files (default 20)
  --list-rules               print the rules and exit
  -h, --help                 print this help

Exit status: 0 no error-severity finding, 1 some error finding, 2 usage or read error.
`;

const VERSION = '0.1.0';
const LEVELS = ['error', 'warning', 'info', 'hint', 'off'];

interface Options {
  format: 'text' | 'json' | 'sarif';
  rules: Record<string, SeveritySetting>;
  schema: boolean;
  maxMb: number;
  paths: string[];
}

class UsageError extends Error {}

function parseArgs(args: string[]): Options | 'help' | 'list' {
  const o: Options = { format: 'text', rules: {}, schema: true, maxMb: 20, paths: [] };
  const known = new Set(ruleMetas.map((r) => r.id));
  const value = (i: number, flag: string) => {
    const v = args[i + 1];
    if (v === undefined) throw new UsageError(`${flag} needs a value.`);
    return v;
  };
  for (let i = 0; i < args.length; i++) {
    let a = args[i]!;
    let inline: string | undefined;
    if (a.startsWith('--') && a.includes('=') && !a.startsWith('--severity=')) [a, inline] = [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)];
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
          if (!known.has(id)) throw new UsageError(`Unknown rule "${id}" (kubeml lint --list-rules lists them).`);
          o.rules[id] = 'off';
        }
        break;
      case '--severity': {
        const [id, level] = take().split('=');
        if (!id || !known.has(id)) throw new UsageError(`Unknown rule "${id ?? ''}" (kubeml lint --list-rules lists them).`);
        if (!level || !LEVELS.includes(level)) throw new UsageError(`Unknown severity "${level ?? ''}": use ${LEVELS.join(', ')}.`);
        o.rules[id] = level as SeveritySetting;
        break;
      }
      case '--no-schema':
        o.schema = false;
        break;
      case '--max-file-size': {
        const n = Number(take());
        if (!(n > 0)) throw new UsageError('--max-file-size takes a number of megabytes above 0.');
        o.maxMb = n;
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

/** Files to lint: given files as they are; under folders, YAML files that hold Kubernetes objects or are kubeml.yaml. */
function collect(path: string, explicit: boolean, out: Array<{ file: string; explicit: boolean }>): void {
  const st = statSync(path);
  if (st.isDirectory()) {
    for (const entry of readdirSync(path, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.isDirectory() ? SKIP_DIRS.has(entry.name) : !/\.ya?ml$/i.test(entry.name)) continue;
      collect(join(path, entry.name), false, out);
    }
  } else {
    out.push({ file: path, explicit });
  }
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

  const files: Array<{ file: string; explicit: boolean }> = [];
  for (const p of opts.paths) {
    if (p === '-') {
      files.push({ file: '-', explicit: true });
      continue;
    }
    try {
      collect(p, true, files);
    } catch (e) {
      err.write(`kubeml lint: cannot read ${p}: ${messageOf(e)}\n`);
      return 2;
    }
  }

  const config: LintConfig = { rules: opts.rules, schema: opts.schema, maxFileBytes: opts.maxMb * 1024 * 1024, timeBudgetMs: 60_000 };
  try {
    if (opts.schema) config.bundledSchema = bundledValidator();
  } catch (e) {
    err.write(`kubeml lint: ${messageOf(e)}\n`);
    return 2;
  }
  const results: FileFindings[] = [];
  let resources = 0;
  for (const { file, explicit } of files) {
    let text: string;
    try {
      text = file === '-' ? await readStdin() : readFileSync(file, 'utf8');
    } catch (e) {
      err.write(`kubeml lint: cannot read ${file}: ${messageOf(e)}\n`);
      return 2;
    }
    if (!explicit && basename(file) !== 'kubeml.yaml' && !looksLikeKubernetes(text)) continue;
    const r = lintText(text, { ...config, kubemlSpec: basename(file) === 'kubeml.yaml' });
    resources += r.resources;
    results.push({ file: file === '-' ? '<stdin>' : file, findings: r.findings });
  }
  const summary = summarize(results, resources);
  if (opts.format === 'json') out.write(formatJson(results, summary));
  else if (opts.format === 'sarif') out.write(formatSarif(results, VERSION));
  else {
    out.write(formatText(results));
    err.write(summaryLine(summary) + '\n');
  }
  return summary.error > 0 ? 1 : 0;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
