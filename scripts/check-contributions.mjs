// Static check of the manifest against src/constants.ts and the sources: every contributed
// command is registered somewhere in src/, every Commands constant is contributed, every
// view has welcome content, and every menu entry names a contributed command.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const constants = readFileSync('src/constants.ts', 'utf8');
const problems = [];

function sources(dir) {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });
}
const src = sources('src')
  .map((f) => readFileSync(f, 'utf8'))
  .join('\n');

const commandsBlock = constants.match(/export const Commands = \{([\s\S]*?)\} as const/)?.[1] ?? '';
const constantIds = new Map([...commandsBlock.matchAll(/(\w+):\s*'([^']+)'/g)].map((m) => [m[2], m[1]]));
const contributed = new Set(pkg.contributes.commands.map((c) => c.command));
for (const c of pkg.contributes.commands) {
  if (c.category !== 'KubeML') problems.push(`command ${c.command} is not in the KubeML category`);
  const key = constantIds.get(c.command);
  if (!key) problems.push(`command ${c.command} is contributed but not in src/constants.ts Commands`);
  else if (
    !new RegExp(`registerCommand\\(\\s*Commands\\.${key}\\b`).test(src) &&
    !new RegExp(`Commands\\.${key}\\b`).test(src.replace(constants, ''))
  ) {
    problems.push(`command ${c.command} (Commands.${key}) is never registered in src/`);
  }
}
for (const id of constantIds.keys()) if (!contributed.has(id)) problems.push(`Commands has ${id}, which package.json does not contribute`);
for (const [menu, entries] of Object.entries(pkg.contributes.menus ?? {})) {
  for (const e of entries)
    if (e.command && !contributed.has(e.command)) problems.push(`menu ${menu} names ${e.command}, which is not contributed`);
}
const views = Object.values(pkg.contributes.views)
  .flat()
  .map((v) => v.id);
for (const v of views) {
  if (!pkg.contributes.viewsWelcome.some((w) => w.view === v)) problems.push(`view ${v} has no welcome content`);
}
for (const s of Object.keys(pkg.contributes.configuration.properties)) {
  const p = pkg.contributes.configuration.properties[s];
  if (!s.startsWith('kubeml.')) problems.push(`setting ${s} is not under kubeml.`);
  if (!p.description && !p.markdownDescription) problems.push(`setting ${s} has no description`);
}
if (problems.length) {
  console.error(`contributions check: ${problems.length} problem(s)\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(
  `contributions check: ${contributed.size} commands, ${views.length} views, ${Object.keys(pkg.contributes.configuration.properties).length} settings consistent`,
);
