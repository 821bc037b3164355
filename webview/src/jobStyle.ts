/** The Job panel's style: VS Code theme variables only (light, dark, high contrast). */
export const CSS = `
body { color: var(--vscode-foreground); font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); padding: 0 12px 24px; }
header { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; margin: 8px 0; }
header h1 { font-size: 1.2em; margin: 0 8px 0 0; font-weight: 600; overflow-wrap: anywhere; }
.summary { flex: 1; color: var(--vscode-descriptionForeground); }
[hidden] { display: none !important; }
h2 { font-size: 1.05em; margin: 16px 0 4px; }
h3 { font-size: 1em; margin: 4px 0; font-weight: 600; }
.note { color: var(--vscode-descriptionForeground); margin: 4px 0 10px; overflow-wrap: anywhere; }
.hours { font-variant-numeric: tabular-nums; margin: 4px 0; }
.hours.low { color: var(--vscode-editorWarning-foreground, var(--vscode-foreground)); }
button.plain, .toggle { background: var(--vscode-button-secondaryBackground); color: var(--vscode-button-secondaryForeground);
  border: 1px solid var(--vscode-button-border, transparent); padding: 2px 8px; font: inherit; cursor: pointer; border-radius: 2px; }
button.plain:hover, .toggle:hover { background: var(--vscode-button-secondaryHoverBackground); }
.toggle[aria-pressed="true"] { background: var(--vscode-button-background); color: var(--vscode-button-foreground); }
body.vscode-high-contrast .toggle[aria-pressed="true"], body.vscode-high-contrast-light .toggle[aria-pressed="true"] { outline: 2px solid var(--vscode-contrastActiveBorder, var(--vscode-focusBorder)); }
button:focus-visible, .uplot .u-over:focus { outline: 1px solid var(--vscode-focusBorder); outline-offset: 1px; }
button.link { all: unset; cursor: pointer; color: var(--vscode-textLink-foreground); text-decoration: underline; }
button.link:hover { color: var(--vscode-textLink-activeForeground); }
button.link:focus-visible { outline: 1px solid var(--vscode-focusBorder); outline-offset: 1px; }
.findings { list-style: none; padding: 0; margin: 0; max-width: 110ch; }
.finding { display: grid; grid-template-columns: 1.6em 1fr; gap: 2px 6px; padding: 6px 4px; border-bottom: 1px solid var(--vscode-panel-border, var(--vscode-editorWidget-border, transparent)); }
.finding .icon { grid-row: span 4; font-weight: 700; text-align: center; }
.finding.error .icon { color: var(--vscode-errorForeground); }
.finding.warning .icon { color: var(--vscode-editorWarning-foreground, var(--vscode-foreground)); }
.finding.info .icon { color: var(--vscode-editorInfo-foreground, var(--vscode-foreground)); }
.finding .title { font-weight: 600; overflow-wrap: anywhere; }
.finding .evidence { margin: 0; padding: 0; list-style: none; color: var(--vscode-descriptionForeground); }
.finding code { font-family: var(--vscode-editor-font-family); background: var(--vscode-textCodeBlock-background); padding: 0 3px; overflow-wrap: anywhere; white-space: pre-wrap; }
.finding .advice { margin: 0; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(460px, 1fr)); gap: 12px 16px; }
.charts.unshown { visibility: hidden; height: 0; overflow: hidden; }
.chart { width: 100%; min-height: 240px; contain: layout paint; }
table.ranks, .findings { contain: layout paint; }
.uplot { font-family: var(--vscode-font-family); color: var(--vscode-foreground); }
.uplot .u-legend { font-size: 0.9em; text-align: left; margin-top: 2px; max-height: 9em; overflow: auto; }
.uplot .u-legend .u-series th { font-weight: normal; }
.uplot .u-select { background: var(--vscode-editor-selectionBackground); opacity: 0.5; }
.uplot .u-cursor-x, .uplot .u-cursor-y { border-color: var(--vscode-descriptionForeground) !important; }
table.ranks { border-collapse: collapse; margin: 4px 0; }
table.ranks th, table.ranks td { text-align: left; padding: 2px 10px 2px 0; border-bottom: 1px solid var(--vscode-panel-border, transparent); font-variant-numeric: tabular-nums; }
table.ranks td.num, table.ranks th.num { text-align: right; }
.problem { color: var(--vscode-errorForeground); }
.problem-box { border-left: 3px solid var(--vscode-errorForeground); padding: 4px 8px; margin: 6px 0; background: var(--vscode-inputValidation-errorBackground, transparent); }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`;
