import * as vscode from 'vscode';

/** Typed access to kubeml.* settings. */
export const Settings = {
  section: 'kubeml',
  kubeconfig(): string | undefined {
    return vscode.workspace.getConfiguration('kubeml').get<string>('kubeconfig')?.trim() || undefined;
  },
  prometheusUrl(): string | undefined {
    return vscode.workspace.getConfiguration('kubeml').get<string>('prometheus.url')?.trim() || undefined;
  },
  affects(e: vscode.ConfigurationChangeEvent, key: string): boolean {
    return e.affectsConfiguration(`kubeml.${key}`);
  },
};
