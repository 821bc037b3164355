/** The experiments page's style: VS Code theme variables only (light, dark, high contrast). */
import { ROW_HEIGHT } from './runTable';

export const CSS = `
body { color: var(--vscode-foreground); font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); padding: 0 12px 24px; }
header { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; margin: 8px 0; }
header h1 { font-size: 1.2em; margin: 0 8px 0 0; font-weight: 600; }
.summary { flex: 1; color: var(--vscode-descriptionForeground); }
.toolbar { display: flex; gap: 6px; align-items: center; flex-wrap: wrap; margin: 6px 0; }
[hidden] { display: none !important; }
.note { color: var(--vscode-descriptionForeground); margin: 4px 0 10px; overflow-wrap: anywhere; }
.empty { margin: 24px 0; max-width: 70ch; line-height: 1.5; }
.empty h2 { font-size: 1.1em; }
input[type="search"], select {
  background: var(--vscode-input-background); color: var(--vscode-input-foreground);
  border: 1px solid var(--vscode-input-border, var(--vscode-panel-border, transparent)); padding: 3px 6px; font: inherit; }
input[type="search"] { min-width: 22ch; }
input:focus-visible, select:focus-visible, button:focus-visible { outline: 1px solid var(--vscode-focusBorder); outline-offset: 1px; }
button.plain, .toggle { background: var(--vscode-button-secondaryBackground); color: var(--vscode-button-secondaryForeground);
  border: 1px solid var(--vscode-button-border, transparent); padding: 2px 8px; font: inherit; cursor: pointer; border-radius: 2px; }
button.plain:hover, .toggle:hover { background: var(--vscode-button-secondaryHoverBackground); }
.toggle[aria-pressed="true"] { background: var(--vscode-button-background); color: var(--vscode-button-foreground); }
body.vscode-high-contrast .toggle[aria-pressed="true"], body.vscode-high-contrast-light .toggle[aria-pressed="true"] { outline: 2px solid var(--vscode-contrastActiveBorder, var(--vscode-focusBorder)); }
.chooser { border: 1px solid var(--vscode-widget-border, var(--vscode-panel-border, transparent)); background: var(--vscode-editorWidget-background);
  padding: 6px 8px; margin: 4px 0; max-height: 260px; overflow: auto; max-width: 480px; }
.chooser ul { list-style: none; margin: 0; padding: 0; }
.chooser li { display: flex; gap: 6px; align-items: center; padding: 1px 0; }
.chooser li label { flex: 1; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.chooser li button { min-width: 2.2em; }
.grid { border: 1px solid var(--vscode-panel-border, transparent); }
.scroller { position: relative; overflow: auto; max-height: min(46vh, 520px); min-height: 96px; }
.row { display: grid; grid-template-columns: var(--cols); width: var(--width); min-width: 100%; height: ${ROW_HEIGHT}px; align-items: center; box-sizing: border-box; }
.head { position: sticky; top: 0; z-index: 3; background: var(--vscode-editor-background); border-bottom: 1px solid var(--vscode-panel-border, var(--vscode-editorWidget-border, transparent)); font-weight: 600; }
.pinned { position: sticky; top: ${ROW_HEIGHT}px; z-index: 2; background: var(--vscode-editor-background); }
.pinned .row { border-bottom: 2px solid var(--vscode-charts-blue, var(--vscode-focusBorder)); }
.body { position: relative; width: var(--width); min-width: 100%; }
.body .row { position: absolute; top: 0; left: 0; cursor: default; }
.cell { padding: 0 6px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; font-variant-numeric: tabular-nums; }
.cell.num { text-align: right; }
.head .cell { padding: 0; }
button.sort { all: unset; box-sizing: border-box; display: block; width: 100%; padding: 0 6px; cursor: pointer; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
button.sort:focus-visible { outline: 1px solid var(--vscode-focusBorder); outline-offset: -1px; }
.body .row:hover { background: var(--vscode-list-hoverBackground); }
.row:focus { outline: 1px solid var(--vscode-focusBorder); outline-offset: -1px; }
.row[aria-selected="true"] { background: var(--vscode-list-inactiveSelectionBackground); color: var(--vscode-list-inactiveSelectionForeground, inherit); }
.grid:focus-within .row[aria-selected="true"] { background: var(--vscode-list-activeSelectionBackground); color: var(--vscode-list-activeSelectionForeground); }
body.vscode-high-contrast .row[aria-selected="true"], body.vscode-high-contrast-light .row[aria-selected="true"] { outline: 1px dashed var(--vscode-contrastActiveBorder, var(--vscode-focusBorder)); outline-offset: -1px; }
.badge { margin-left: 6px; padding: 0 5px; border: 1px solid currentColor; border-radius: 8px; font-size: 0.85em; }
.delta { margin-left: 6px; font-size: 0.9em; }
.delta.better { color: var(--vscode-testing-iconPassed, var(--vscode-charts-green)); }
.delta.worse { color: var(--vscode-errorForeground); }
.status-running, .status-pending, .status-launching, .status-uploading { color: var(--vscode-charts-blue); }
.status-succeeded { color: var(--vscode-testing-iconPassed, var(--vscode-foreground)); }
.status-failed { color: var(--vscode-errorForeground); }
.status-cancelled, .status-detached { color: var(--vscode-descriptionForeground); }
.row[aria-selected="true"] .cell { color: inherit; }
h2 { font-size: 1.05em; margin: 16px 0 4px; }
h3 { font-size: 1em; margin: 0; font-weight: 600; overflow-wrap: anywhere; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(420px, 1fr)); gap: 12px 16px; }
.plot header { margin: 4px 0; }
.chart { width: 100%; min-height: 220px; }
.uplot { font-family: var(--vscode-font-family); color: var(--vscode-foreground); }
.uplot .u-legend { font-size: 0.9em; text-align: left; margin-top: 2px; }
.uplot .u-legend .u-series th { font-weight: normal; }
.uplot .u-legend .u-label { white-space: normal; overflow-wrap: anywhere; }
.uplot .u-select { background: var(--vscode-editor-selectionBackground); opacity: 0.5; }
.uplot .u-cursor-x, .uplot .u-cursor-y { border-color: var(--vscode-descriptionForeground) !important; }
.uplot .u-over:focus { outline: 1px solid var(--vscode-focusBorder); outline-offset: -1px; }
.problem { color: var(--vscode-errorForeground); }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`;
