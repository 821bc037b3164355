/**
 * The one place the page touches @vscode/webview-ui-toolkit (archived upstream): if it has to
 * go, only this module changes. Registers the few components the drift page uses.
 */
import { provideVSCodeDesignSystem, vsCodeButton, vsCodeDivider } from '@vscode/webview-ui-toolkit';

export function registerToolkit(): void {
  provideVSCodeDesignSystem().register(vsCodeButton(), vsCodeDivider());
}

export function button(label: string, onClick: () => void, appearance: 'primary' | 'secondary' = 'secondary'): HTMLElement {
  const b = document.createElement('vscode-button');
  b.setAttribute('appearance', appearance);
  b.textContent = label;
  b.addEventListener('click', onClick);
  return b;
}

export function divider(): HTMLElement {
  return document.createElement('vscode-divider');
}
