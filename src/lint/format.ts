import { ruleMetas } from './rules';
import type { Finding, Severity } from './types';

/** Findings of one file, as the CLI reports them. */
export interface FileFindings {
  /** The path as given on the command line (or found under a given folder). */
  file: string;
  findings: Finding[];
}

export interface Summary {
  files: number;
  resources: number;
  error: number;
  warning: number;
  info: number;
  hint: number;
}

export function summarize(results: FileFindings[], resources: number): Summary {
  const s: Summary = { files: results.length, resources, error: 0, warning: 0, info: 0, hint: 0 };
  for (const r of results) for (const f of r.findings) s[f.severity]++;
  return s;
}

/** `file:line:col severity rule-id message`, 1-based, one finding a line. */
export function formatText(results: FileFindings[]): string {
  const lines: string[] = [];
  for (const r of results) {
    for (const f of r.findings) lines.push(`${r.file}:${f.startPos.line + 1}:${f.startPos.col + 1} ${f.severity} ${f.ruleId} ${f.message}`);
  }
  return lines.length ? lines.join('\n') + '\n' : '';
}

export function summaryLine(s: Summary): string {
  const parts = [`${s.error} error${s.error === 1 ? '' : 's'}`, `${s.warning} warning${s.warning === 1 ? '' : 's'}`];
  if (s.info) parts.push(`${s.info} info`);
  if (s.hint) parts.push(`${s.hint} hint${s.hint === 1 ? '' : 's'}`);
  return `kubeml lint: ${parts.join(', ')} in ${s.files} file${s.files === 1 ? '' : 's'} (${s.resources} resources)`;
}

export function formatJson(results: FileFindings[], summary: Summary): string {
  const findings = results.flatMap((r) =>
    r.findings.map((f) => ({
      file: r.file,
      line: f.startPos.line + 1,
      column: f.startPos.col + 1,
      endLine: f.endPos.line + 1,
      endColumn: f.endPos.col + 1,
      severity: f.severity,
      ruleId: f.ruleId,
      message: f.message,
      document: f.docIndex,
      fixes: f.fixes?.map((x) => ({ title: x.title, edits: x.edits })),
    })),
  );
  return JSON.stringify({ findings, summary }, null, 2) + '\n';
}

const SARIF_LEVEL: Record<Severity, string> = { error: 'error', warning: 'warning', info: 'note', hint: 'note' };

/** SARIF 2.1.0 (GitHub code scanning reads it); columns are UTF-16 code units, 1-based. */
export function formatSarif(results: FileFindings[], version: string): string {
  const rules = ruleMetas.map((m) => ({
    id: m.id,
    name: m.id,
    shortDescription: { text: m.description },
    defaultConfiguration: { level: SARIF_LEVEL[m.severity] },
    properties: { category: m.category, ...(m.matches ? { matches: m.matches } : {}) },
  }));
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const uri = (file: string) => file.replace(/\\/g, '/').replace(/^\.\//, '');
  const sarifResults = results.flatMap((r) =>
    r.findings.map((f) => ({
      ruleId: f.ruleId,
      ruleIndex: index.get(f.ruleId),
      level: SARIF_LEVEL[f.severity],
      message: { text: f.message },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: uri(r.file), uriBaseId: '%SRCROOT%' },
            region: {
              startLine: f.startPos.line + 1,
              startColumn: f.startPos.col + 1,
              endLine: f.endPos.line + 1,
              endColumn: f.endPos.col + 1,
              charOffset: f.start,
              charLength: f.end - f.start,
            },
          },
        },
      ],
      ...(f.fixes?.length
        ? {
            fixes: f.fixes.map((x) => ({
              description: { text: x.title },
              artifactChanges: [
                {
                  artifactLocation: { uri: uri(r.file), uriBaseId: '%SRCROOT%' },
                  replacements: x.edits.map((e) => ({
                    deletedRegion: { charOffset: e.start, charLength: e.end - e.start },
                    insertedContent: { text: e.newText },
                  })),
                },
              ],
            })),
          }
        : {}),
    })),
  );
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'kubeml', version, informationUri: 'https://github.com/kubeml/kubeml', rules } },
        columnKind: 'utf16CodeUnits',
        results: sarifResults,
      },
    ],
  };
  return JSON.stringify(log, null, 2) + '\n';
}
