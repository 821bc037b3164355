import { strict as assert } from 'node:assert';
import { escapeHtml, newNonce, webviewCsp, webviewHtml } from './webviewHtml';

describe('webviewHtml: the shell of a webview page', () => {
  const page = {
    cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
    nonce: 'n0nce+/=',
    scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/jobPage.js',
    styleUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/jobPage.css',
    title: 'Job <train> & "co"',
  };

  it('allows nothing by default, scripts only with the nonce, styles and images only from the resources (and data: images)', () => {
    const csp = webviewCsp(page.cspSource, page.nonce);
    const parts = new Map(csp.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]));
    assert.deepEqual(parts.get('default-src'), ["'none'"]);
    assert.deepEqual(parts.get('script-src'), [`'nonce-${page.nonce}'`]);
    assert.deepEqual(parts.get('style-src'), [page.cspSource, `'nonce-${page.nonce}'`]);
    assert.deepEqual(parts.get('img-src'), [page.cspSource, 'data:']);
    assert.deepEqual(parts.get('font-src'), [page.cspSource]);
    assert.ok(!csp.includes('unsafe'), csp);
  });

  it('puts the CSP, stylesheet, nonced script and #app in the document, with the title escaped', () => {
    const html = webviewHtml(page);
    assert.ok(
      html.includes('<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; '),
      'the CSP, its quotes escaped in the attribute',
    );
    assert.ok(html.includes(`<script nonce="${page.nonce}" src="${page.scriptUri}"></script>`));
    assert.ok(html.includes(`<link rel="stylesheet" href="${page.styleUri}">`));
    assert.ok(html.includes(`<div id="app" data-nonce="${page.nonce}"></div>`));
    assert.ok(html.includes('<title>Job &lt;train&gt; &amp; &quot;co&quot;</title>'), html);
    assert.equal((html.match(/<script/g) ?? []).length, 1, 'one script, the bundle');
  });

  it('escapes a title or URI that tries to leave its attribute or element', () => {
    const html = webviewHtml({ ...page, title: '</title><script>alert(1)</script>', scriptUri: 'x" onload="alert(1)' });
    assert.equal((html.match(/<script/g) ?? []).length, 1);
    assert.ok(!html.includes('onload="alert'));
    assert.equal(escapeHtml(`<a href='x'>&</a>`), '&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;');
  });

  it('makes a different 16-byte nonce each time', () => {
    const a = newNonce();
    const b = newNonce();
    assert.notEqual(a, b);
    assert.equal(Buffer.from(a, 'base64').length, 16);
  });
});
