import type { Finding } from '../../model/health/types';
import { md, type Row } from './common';

const ICON: Readonly<Record<Finding['severity'], { id: string; color: string }>> = {
  error: { id: 'error', color: 'testing.iconFailed' },
  warning: { id: 'warning', color: 'charts.yellow' },
  info: { id: 'info', color: 'charts.blue' },
};

const when = (t: number | undefined) => (t === undefined ? '' : ` (${new Date(t).toISOString().replace('T', ' ').slice(0, 19)} UTC)`);

/** A doctor's finding as a row under its job: the sentence, the rank, and the evidence in the tooltip. */
export function findingRow(f: Finding): Row {
  const evidence = f.evidence
    .slice(0, 5)
    .map(
      (e) =>
        `- ${e.rank ? `**${md(e.rank)}**` : ''}${e.pod ? ` (${md(e.pod)})` : ''}${when(e.time)}${e.line ? `\n\n  \`${e.line.replace(/`/g, "'")}\`` : ''}`,
    )
    .join('\n');
  return {
    label: f.title,
    description: f.rank ?? f.kind,
    icon: ICON[f.severity],
    tooltip: `**${md(f.title)}**${f.advice ? `\n\n${md(f.advice)}` : ''}${evidence ? `\n\n${evidence}` : ''}`,
    contextValue: `kubeml.finding.${f.kind}`,
    collapsible: 'none',
  };
}
