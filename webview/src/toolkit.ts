/**
 * The one place the page touches @vscode/webview-ui-toolkit (archived upstream): if it has to
 * go, only this module changes. Registers the few components the drift page uses.
 */
import { provideVSCodeDesignSystem, vsCodeButton, vsCodeTag, vsCodeDivider } from '@vscode/webview-ui-toolkit';

export function registerToolkit(): void {
  provideVSCodeDesignSystem().register(vsCodeButton(), vsCodeTag(), vsCodeDivider());
}

export function button(label: string, onClick: () => void, appearance: 'primary' | 'secondary' = 'secondary'): HTMLElement {
  const b = document.createElement('vscode-button');
  b.setAttribute('appearance', appearance);
  b.textContent = label;
  b.addEventListener('click', onClick);
  return b;
}

export function tag(text: string): HTMLElement {
  const t = document.createElement('vscode-tag');
  t.textContent = text;
  return t;
}

export function divider(): HTMLElement {
  return document.createElement('vscode-divider');
}
