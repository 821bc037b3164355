// npm run package: a production .vsix with @vscode/vsce (dependencies are bundled, so
// --no-dependencies). Prints the path and what it holds. The project names no repository, so the
// README's relative image links (media/screenshots) stay relative (--no-rewrite-relative-links):
// the .vsix ships those images and VS Code shows them from the installed extension.
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './lib/setup.mjs';

export function packageVsix(root = repoRoot()) {
  const pkg = JSON.parse(execFileSync('node', ['-p', 'JSON.stringify(require("./package.json"))'], { cwd: root, encoding: 'utf8' }));
  const out = join(root, `${pkg.name}-${pkg.version}.vsix`);
  execFileSync('npx', ['vsce', 'package', '--no-dependencies', '--allow-missing-repository', '--no-rewrite-relative-links', '--out', out], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const vsix = packageVsix();
  console.log(`[package] ${vsix} (${(statSync(vsix).size / 1024).toFixed(0)} KiB)`);
  console.log(execFileSync('unzip', ['-l', vsix], { encoding: 'utf8' }));
}
