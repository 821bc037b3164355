// Mocha root hook for the plain-Node layers (unit, integration). When every test has run it lists
// what still keeps the process alive: a watch, a socket, a timer or a file watcher a test or the
// code under test forgot to close. Mocha runs with --exit, so a leak cannot hang `npm test`; this
// report makes it visible instead of silent.
'use strict';

function describe(h) {
  const name = h?.constructor?.name ?? typeof h;
  if (name === 'Socket' || name === 'TLSSocket') {
    if (h === process.stdout || h === process.stderr || h === process.stdin) return undefined;
    if (h.destroyed) return undefined;
    return `${name} ${h.remoteAddress ?? '?'}:${h.remotePort ?? '?'}${h.readyState ? ` (${h.readyState})` : ''}`;
  }
  if (name === 'Timeout') return h.hasRef?.() ? `Timeout ${h._idleTimeout} ms (${String(h._onTimeout?.name || 'anonymous')})` : undefined;
  if (name === 'ChildProcess') return `child process ${h.pid} ${h.spawnargs?.join(' ') ?? ''}`;
  if (name === 'WriteStream' || name === 'ReadStream') return h.fd <= 2 ? undefined : `${name} ${h.path ?? h.fd}`;
  return name;
}

exports.mochaHooks = {
  async afterAll() {
    this.timeout(10_000);
    await new Promise((r) => setTimeout(r, 1500)); // let closes that are in flight finish
    const open = process._getActiveHandles().map(describe).filter(Boolean);
    if (open.length) {
      console.warn(`\n  [open handles] still open after the last test (mocha --exit ends the run anyway):`);
      for (const d of open) console.warn(`    - ${d}`);
    }
  },
};
