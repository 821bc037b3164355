// Static check of the manifest against src/constants.ts and the sources: every contributed
// command is registered somewhere in src/, every Commands constant is contributed, every
// view has welcome content, every menu entry names a contributed command, and every walkthrough
// step has its parts and links only to commands and views that exist (checked on planted
// mistakes too, so that the walkthrough check is known to refuse them), all with the %key%
// placeholders filled from package.nls.json; and l10n/bundle.l10n.json matches src/'s vscode.l10n.t calls.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const problems = [];
// Texts shown to users are %key% placeholders filled from package.nls.json (VS Code's manifest
// localization): every placeholder needs its key and every key a placeholder. The checks below
// read the manifest as VS Code shows it in English, placeholders filled.
const nls = existsSync('package.nls.json') ? JSON.parse(readFileSync('package.nls.json', 'utf8')) : {};
const nlsUsed = new Set();
function localize(value, where) {
  if (typeof value === 'string') {
    const key = /^%([\w.-]+)%$/.exec(value)?.[1];
    if (!key) return value;
    if (!(key in nls)) {
      problems.push(`${where} is ${value}, which package.nls.json does not define`);
      return value;
    }
    nlsUsed.add(key);
    return nls[key];
  }
  if (Array.isArray(value)) return value.map((v, i) => localize(v, `${where}[${i}]`));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, localize(v, `${where}.${k}`)]));
  return value;
}
const pkg = localize(JSON.parse(readFileSync('package.json', 'utf8')), 'package.json');
for (const key of Object.keys(nls)) if (!nlsUsed.has(key)) problems.push(`package.nls.json defines ${key}, which package.json never uses`);
const constants = readFileSync('src/constants.ts', 'utf8');

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

// The string bundle package.json names (npm run l10n) holds exactly the vscode.l10n.t messages of src/.
if (pkg.l10n) {
  const bundleFile = join(pkg.l10n, 'bundle.l10n.json');
  const bundle = existsSync(bundleFile) ? JSON.parse(readFileSync(bundleFile, 'utf8')) : undefined;
  if (!bundle) problems.push(`package.json names l10n folder ${pkg.l10n}, which has no bundle.l10n.json: run npm run l10n`);
  else {
    const messages = new Set();
    for (const m of src.matchAll(/\bl10n\.t\(\s*('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|`(?:[^`\\$]|\\.)*`)/g)) {
      messages.add(new Function(`return ${m[1]}`)()); // a string literal of our own source
    }
    const stale = Object.keys(bundle).filter((k) => !messages.has(k));
    const missing = [...messages].filter((k) => !(k in bundle));
    if (missing.length || stale.length)
      problems.push(
        `${bundleFile} is out of date (run npm run l10n): ${missing.length} message(s) not in it (${missing.slice(0, 3).join(' | ')}), ` +
          `${stale.length} no longer in src/ (${stale.slice(0, 3).join(' | ')})`,
      );
  }
}

/** Command ids a markdown text links to: `[text](command:id)` or `command:id?args`. */
function commandLinks(markdown) {
  return [...markdown.matchAll(/\(command:([\w.-]+)/g)].map((m) => m[1]);
}
const COMPLETION_EVENTS = [
  'onCommand',
  'onView',
  'onContext',
  'onSettingChanged',
  'onLink',
  'onEvent',
  'extensionInstalled',
  'onStepSelected',
];

/** What is wrong with the walkthroughs of `manifest`; `read(path)` gives a media file's text, or undefined when it is missing. */
function walkthroughProblems(manifest, read) {
  const out = [];
  const commands = new Set(manifest.contributes.commands.map((c) => c.command));
  const viewIds = new Set(
    Object.values(manifest.contributes.views)
      .flat()
      .map((v) => v.id),
  );
  const containers = new Set(Object.values(manifest.contributes.viewsContainers ?? {}).flatMap((l) => l.map((c) => c.id)));
  // A link may name one of ours, or a workbench command that exists because of what we contribute.
  const linkable = (id) =>
    commands.has(id) ||
    (id.startsWith('workbench.view.extension.') && containers.has(id.slice('workbench.view.extension.'.length))) ||
    (id.endsWith('.focus') && viewIds.has(id.slice(0, -'.focus'.length)));
  const walkthroughs = manifest.contributes.walkthroughs ?? [];
  if (walkthroughs.length === 0) out.push('no walkthrough is contributed');
  for (const w of walkthroughs) {
    if (!w.id || !w.title || !w.description) out.push(`walkthrough ${w.id ?? '?'} lacks an id, title or description`);
    for (const step of w.steps ?? []) {
      const where = `walkthrough ${w.id} step ${step.id}`;
      if (!step.title || !step.description) out.push(`${where} lacks a title or description`);
      const links = commandLinks(step.description ?? '').map((id) => [id, 'description']);
      if (links.length === 0) out.push(`${where} links to no command in its description`);
      const media = step.media ?? {};
      const files = [
        media.markdown,
        media.svg,
        ...(typeof media.image === 'string' ? [media.image] : Object.values(media.image ?? {})),
      ].filter(Boolean);
      if (files.length === 0) out.push(`${where} has no media`);
      if (media.image && !media.altText) out.push(`${where} has an image without altText`);
      for (const f of files) {
        const text = read(f);
        if (text === undefined) out.push(`${where} names media ${f}, which does not exist`);
        else if (f.endsWith('.md')) links.push(...commandLinks(text).map((id) => [id, f]));
      }
      for (const [id, from] of links) if (!linkable(id)) out.push(`${where} links to command ${id} (in ${from}), which is not contributed`);
      const events = step.completionEvents ?? [];
      if (events.length === 0) out.push(`${where} has no completionEvents`);
      for (const e of events) {
        const [kind, ...rest] = e.split(':');
        const arg = rest.join(':');
        if (!COMPLETION_EVENTS.includes(kind)) out.push(`${where} has completion event ${e} of an unknown kind`);
        else if (kind === 'onCommand' && !linkable(arg)) out.push(`${where} completes on command ${arg}, which is not contributed`);
        else if (kind === 'onView' && !viewIds.has(arg)) out.push(`${where} completes on view ${arg}, which is not contributed`);
      }
    }
    if (!w.steps?.length) out.push(`walkthrough ${w.id} has no steps`);
  }
  return out;
}
const readMedia = (f) => (existsSync(f) ? readFileSync(f, 'utf8') : undefined);
problems.push(...walkthroughProblems(pkg, readMedia));

// The walkthrough check must refuse each planted mistake, naming it.
const planted = [
  {
    what: 'a description linking to an unknown command',
    change: (s) => (s.description += '\n[Go](command:kubeml.noSuchCommand)'),
    expect: 'links to command kubeml.noSuchCommand (in description)',
  },
  {
    what: 'a media file linking to an unknown command',
    change: (s) => (s.media = { markdown: 'planted.md' }),
    media: { 'planted.md': 'Run [it](command:kubeml.launchTrainin).' },
    expect: 'links to command kubeml.launchTrainin (in planted.md)',
  },
  {
    what: 'a missing media file',
    change: (s) => (s.media = { markdown: 'media/walkthrough/none.md' }),
    expect: 'names media media/walkthrough/none.md',
  },
  {
    what: 'completion on an unknown command',
    change: (s) => s.completionEvents.push('onCommand:kubeml.gone'),
    expect: 'completes on command kubeml.gone',
  },
  {
    what: 'completion on an unknown view',
    change: (s) => s.completionEvents.push('onView:kubeml.nothing'),
    expect: 'completes on view kubeml.nothing',
  },
  {
    what: "a link to another extension's container",
    change: (s) => (s.description += ' [x](command:workbench.view.extension.other)'),
    expect: 'workbench.view.extension.other',
  },
];
for (const p of planted) {
  const copy = structuredClone(pkg);
  if (!copy.contributes.walkthroughs?.[0]?.steps?.[0]) break; // reported above: no walkthrough to plant into
  p.change(copy.contributes.walkthroughs[0].steps[0]);
  const found = walkthroughProblems(copy, (f) => p.media?.[f] ?? readMedia(f));
  if (!found.some((m) => m.includes(p.expect))) problems.push(`the walkthrough check accepted ${p.what} (planted; expected "${p.expect}")`);
}

if (problems.length) {
  console.error(`contributions check: ${problems.length} problem(s)\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(
  `contributions check: ${contributed.size} commands, ${views.length} views, ${Object.keys(pkg.contributes.configuration.properties).length} settings, ` +
    `${(pkg.contributes.walkthroughs ?? []).reduce((n, w) => n + w.steps.length, 0)} walkthrough steps, ${nlsUsed.size} package.nls.json texts, the l10n bundle consistent ` +
    `(${planted.length} planted walkthrough mistakes refused)`,
);
