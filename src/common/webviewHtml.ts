/**
 * The HTML shell of every KubeML webview page: a strict Content-Security-Policy (nothing by default;
 * scripts only with the page's nonce; styles from the extension's resources or with the nonce; images
 * from the resources or data: URLs, for Export PNG), the page's stylesheet and script bundle, and an
 * #app element that carries the nonce for styles the page adds itself. Pure string building: the
 * skin (a panel.ts) turns its resource paths into webview URIs and passes them in.
 */

export interface WebviewPageHtml {
  /** webview.cspSource: where the extension's resources come from. */
  readonly cspSource: string;
  /** A fresh random nonce per page load (newNonce()). */
  readonly nonce: string;
  /** webview.asWebviewUri(...) of the page's script and stylesheet, as strings. */
  readonly scriptUri: string;
  readonly styleUri: string;
  /** The document title (escaped here). */
  readonly title: string;
  /** The document language; default "en". */
  readonly lang?: string;
}

/** Escapes the five characters that matter in HTML text and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** The Content-Security-Policy of a page: no default source, scripts by nonce only. */
export function webviewCsp(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource} data:`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
}

/** A nonce: 16 random bytes, base64 (crypto.getRandomValues: in Node 20 and browsers alike). */
export function newNonce(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return Buffer.from(bytes).toString('base64');
}

export function webviewHtml(p: WebviewPageHtml): string {
  const attr = escapeHtml;
  return `<!DOCTYPE html>
<html lang="${attr(p.lang ?? 'en')}">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(webviewCsp(p.cspSource, p.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${attr(p.styleUri)}">
<title>${escapeHtml(p.title)}</title>
</head>
<body>
<div id="app" data-nonce="${attr(p.nonce)}"></div>
<script nonce="${attr(p.nonce)}" src="${attr(p.scriptUri)}"></script>
</body>
</html>`;
}
