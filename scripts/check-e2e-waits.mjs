// E2E waits are conditions, not sleeps. Fails on a fixed pause in test/e2e/*.mjs that does not
// say what it waits for:
//   - page.waitForTimeout(...)                       (Playwright's bare sleep)
//   - setTimeout / setInterval / timers/promises     (a hand-made sleep), except on a line of
//     test/e2e/waits.mjs marked `e2e-waits: <why>`, where until() and settle() are made
//   - sleep( / delay( / pause(                       (an anonymous sleep helper)
//   - settle(...) without a reason: its first argument must be a non-empty string literal
// A pause that is genuinely needed (to let a debounce elapse before checking that something did
// NOT happen) is `await settle('what elapses, and why', ms)` from test/e2e/waits.mjs.
// Prints each finding as file:line, and exits 1 if there is one.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dir = process.argv[2] ? resolve(process.argv[2]) : join(root, 'test/e2e');
const WAITS_MODULE = 'waits.mjs';

const RULES = [
  {
    re: /\bwaitForTimeout\s*\(/,
    why: 'a fixed sleep: wait for the condition it stands for (a locator, a row, a file, a notification), or settle() with a reason',
  },
  { re: /\b(setTimeout|setInterval)\s*\(/, why: 'a hand-made sleep: use until() or settle() from test/e2e/waits.mjs', allowMarked: true },
  {
    re: /\btimers\/promises\b/,
    why: 'a hand-made sleep: use until() or settle() from test/e2e/waits.mjs',
    allowMarked: true,
    inStrings: true,
  },
  { re: /(?<![.\w])(sleep|delay|pause)\s*\(/, why: 'an anonymous sleep: wait for a condition, or settle() with a reason' },
];

/**
 * The code of a line: without its // comment (prose about waitForTimeout( is not a finding) and,
 * with `blank`, with the insides of its string literals blanked ('sleep 900' is not a call).
 */
function code(line, blank = false) {
  let quote;
  let out = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) {
        quote = undefined;
        out += c;
      } else {
        out += blank ? ' ' : c;
        if (c === '\\' && i + 1 < line.length) out += blank ? ' ' : line[++i];
      }
    } else if (c === "'" || c === '"' || c === '`') {
      quote = c;
      out += c;
    } else if (c === '/' && line[i + 1] === '/') return out;
    else out += c;
  }
  return out;
}

const findings = [];
let files = 0;
let settles = 0;
for (const name of readdirSync(dir)
  .filter((f) => f.endsWith('.mjs'))
  .sort()) {
  files++;
  const lines = readFileSync(join(dir, name), 'utf8').split('\n');
  let inBlockComment = false;
  lines.forEach((raw, i) => {
    let line = raw;
    if (inBlockComment) {
      const end = line.indexOf('*/');
      if (end < 0) return;
      line = line.slice(end + 2);
      inBlockComment = false;
    }
    line = line.replace(/\/\*.*?\*\//g, '');
    const open = line.indexOf('/*');
    if (open >= 0) {
      inBlockComment = true;
      line = line.slice(0, open);
    }
    const marked = name === WAITS_MODULE && /\/\/\s*e2e-waits:\s*\S/.test(raw);
    const c = code(line);
    const bare = code(line, true);
    const where = `${relative(root, join(dir, name))}:${i + 1}`;
    for (const r of RULES) {
      if (r.re.test(r.inStrings ? c : bare) && !(r.allowMarked && marked)) findings.push(`${where}: ${raw.trim()}\n    ${r.why}`);
    }
    if (/(?<![.\w])settle\s*\(/.test(bare) && !/function\s+settle\s*\(/.test(bare)) {
      settles++;
      if (!/(?<![.\w])settle\s*\(\s*(['"`])\s*[^'"`\s][^'"`]*\1\s*,/.test(c))
        findings.push(
          `${where}: ${raw.trim()}\n    settle() needs its reason as a string literal first: settle('what elapses, and why', ms)`,
        );
    }
  });
}

if (findings.length) {
  console.error(`check-e2e-waits: ${findings.length} fixed or unexplained pause(s) in ${relative(root, dir) || dir}:`);
  for (const f of findings) console.error(`  ${f}`);
  console.error('Wait for the condition the pause stands for (see test/e2e/waits.mjs), or name and explain it with settle().');
  process.exit(1);
}
console.log(`check-e2e-waits: ${files} files in ${relative(root, dir) || dir}, no fixed sleeps; ${settles} named settle() pause(s)`);
