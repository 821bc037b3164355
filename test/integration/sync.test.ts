// Integration test of file sync (issue 8) against a pod on the local cluster.
// KUBEML_KUBECONFIG=$(bash scripts/cluster/cluster.sh kubeconfig) npx mocha --require tsx/cjs test/integration/sync.test.ts
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, type Socket, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { KubeClient } from '../../src/cluster/client';
import { Logger, nullSink } from '../../src/common/logging';
import { NamedPods } from '../../src/sync/pods';
import { SyncSession } from '../../src/sync/session';
import { PodTransport, uploadTree, type PodRef } from '../../src/cluster/stream/transport';
import { type TestPods, testPods, until } from './syncPods';

const TARGET = '/workspace/code';

describe('sync into a pod on the local cluster', function () {
  this.timeout(180_000);
  let env: TestPods;
  let pod: PodRef;
  let transport: PodTransport;
  let local: string;
  let session: SyncSession | undefined;
  const lines: string[] = [];

  const remoteCat = async (p: string) => {
    const r = await transport.exec(['cat', `${TARGET}/${p}`]);
    return r.exitCode === 0 ? r.stdout : undefined;
  };
  const remoteExists = async (p: string) => (await transport.exec(['test', '-e', `${TARGET}/${p}`])).exitCode === 0;
  const remoteMode = async (p: string) => (await transport.exec(['stat', '-c', '%a', `${TARGET}/${p}`])).stdout.toString().trim();

  before(async () => {
    env = await testPods('kubeml-sync-test');
    pod = await env.createPod('p1');
    transport = new PodTransport(env.kc, pod);
    local = mkdtempSync(join(tmpdir(), 'kubeml-sync-it-'));
    mkdirSync(join(local, 'src'));
    writeFileSync(join(local, 'src/train.py'), 'print("v1")\n');
    writeFileSync(join(local, '.gitignore'), '*.log\n');
    writeFileSync(join(local, 'noise.log'), 'ignored');
  });

  after(async () => {
    session?.dispose();
    if (local) rmSync(local, { recursive: true, force: true });
    await env?.cleanup();
  });

  it('execs through the API server and reports exit codes', async () => {
    assert.equal((await transport.exec(['true'])).exitCode, 0);
    assert.equal((await transport.exec(['sh', '-c', 'exit 7'])).exitCode, 7);
    const r = await transport.exec(['cat'], {
      stdin: (async function* () {
        yield Buffer.from('echo');
      })(),
    });
    assert.equal(r.stdout.toString(), 'echo');
  });

  it('ships a tree incrementally with uploadTree (the launcher path)', async () => {
    const first = await uploadTree(env.kc, pod, 'main', local, TARGET);
    assert.deepEqual(first.plan.uploads, ['.gitignore', 'src/train.py']);
    assert.equal((await remoteCat('src/train.py'))?.toString(), 'print("v1")\n');
    assert.equal(await remoteExists('noise.log'), false);
    const second = await uploadTree(env.kc, pod, 'main', local, TARGET);
    assert.deepEqual([second.plan.uploads, second.plan.mkdirs, second.plan.deletes], [[], [], []], 'a second run sends nothing');
  });

  it('starts a session and propagates create, modify, binary, empty folder, modes, rename and delete', async () => {
    const client = new KubeClient(env.kc);
    session = new SyncSession({
      localRoot: local,
      remoteFolder: TARGET,
      pods: new NamedPods(client, [pod]),
      transportFor: (r) => new PodTransport(env.kc, r),
      log: new Logger(nullSink),
      pollMs: 1000,
      maxFileSize: 10 * 1024 * 1024,
    });
    session.onDidLog((l) => lines.push(l));
    await session.start();
    writeFileSync(join(local, 'new.py'), 'x = 1\n');
    writeFileSync(join(local, 'src/train.py'), 'print("v2")\n');
    const binary = Buffer.alloc(300_000);
    for (let i = 0; i < binary.length; i++) binary[i] = (i * 31 + 7) % 256;
    writeFileSync(join(local, 'weights.bin'), binary);
    mkdirSync(join(local, 'empty/nested'), { recursive: true });
    writeFileSync(join(local, 'run.sh'), '#!/bin/sh\necho run\n');
    chmodSync(join(local, 'run.sh'), 0o750);
    await until(
      'creations in the pod',
      20_000,
      async () => (await remoteExists('new.py')) && (await remoteExists('empty/nested')) && (await remoteExists('run.sh')),
    );
    await until('the modification', 20_000, async () => (await remoteCat('src/train.py'))?.toString() === 'print("v2")\n');
    await until('the binary file', 20_000, async () => (await remoteCat('weights.bin'))?.equals(binary) ?? false);
    await until('the mode', 20_000, async () => (await remoteMode('run.sh')) === '750');
    renameSync(join(local, 'new.py'), join(local, 'renamed.py'));
    rmSync(join(local, 'empty'), { recursive: true });
    await until(
      'rename and delete',
      20_000,
      async () => (await remoteExists('renamed.py')) && !(await remoteExists('new.py')) && !(await remoteExists('empty')),
    );
  });

  it('coalesces a 5,000-file burst', async () => {
    for (let d = 0; d < 50; d++) {
      mkdirSync(join(local, `burst/m${d}`), { recursive: true });
      for (let f = 0; f < 100; f++) writeFileSync(join(local, `burst/m${d}/f${f}.py`), `# ${d}/${f}\n`);
    }
    await until(
      '5,000 files in the pod',
      120_000,
      async () => (await transport.exec(['sh', '-c', `find ${TARGET}/burst -type f | wc -l`])).stdout.toString().trim() === '5000',
    );
    await session!.whenSettled();
    assert.equal((await remoteCat('burst/m49/f99.py'))?.toString(), '# 49/99\n');
  });

  it('never writes outside the target, even through a symlink planted in the pod', async () => {
    await transport.run(
      ['sh', '-c', `mkdir -p /tmp/outside && rm -rf ${TARGET}/trap && ln -s /tmp/outside ${TARGET}/trap`],
      'plant a symlink',
    );
    mkdirSync(join(local, 'trap'), { recursive: true });
    writeFileSync(join(local, 'trap/evil.py'), 'x');
    await until(
      'the file inside the target',
      20_000,
      async () =>
        (await transport.exec(['test', '-f', `${TARGET}/trap/evil.py`])).exitCode === 0 &&
        (await transport.exec(['test', '!', '-L', `${TARGET}/trap`])).exitCode === 0,
    );
    assert.equal(
      (await transport.exec(['test', '-e', '/tmp/outside/evil.py'])).exitCode,
      1,
      'sync wrote through a symlink out of the target',
    );
  });

  it('re-syncs a restarted container', async () => {
    await session!.whenSettled();
    // TERM the container's main process (it traps TERM and exits): the kubelet restarts it with a fresh filesystem.
    await transport.exec(['kill', '-TERM', '1']).catch(() => undefined);
    await until(
      'the restart',
      60_000,
      async () =>
        ((await env.core.readNamespacedPod({ namespace: pod.namespace, name: pod.name })).status?.containerStatuses?.[0]?.restartCount ??
          0) > 0,
    );
    await until('the re-sync after the restart', 60_000, async () => (await remoteCat('src/train.py'))?.toString() === 'print("v2")\n');
    assert.ok(lines.some((l) => /restarted or recreated/.test(l)));
  });

  it('rides out a lost API server (all connections cut, then refused) with retries and a full reconcile', async () => {
    // A TCP proxy in front of the API server: stopping it is, for the client, an API server restart.
    const server = new URL(env.kc.getCurrentCluster()!.server);
    const sockets = new Set<Socket>();
    const proxy = createServer((client) => {
      const upstream = connect(Number(server.port || 443), server.hostname);
      sockets.add(client).add(upstream);
      client.pipe(upstream).pipe(client);
      const drop = () => (client.destroy(), upstream.destroy());
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const port = (proxy.address() as AddressInfo).port;
    const kc = new k8s.KubeConfig();
    kc.loadFromString(env.kc.exportConfig());
    const cluster = kc.getCurrentCluster()!;
    kc.clusters = kc.clusters.map((c) => (c.name === cluster.name ? { ...c, server: `https://127.0.0.1:${port}` } : c));
    const proxied = new SyncSession({
      localRoot: local,
      remoteFolder: TARGET + '-proxied',
      pods: new NamedPods(new KubeClient(kc), [pod]),
      transportFor: (r) => new PodTransport(kc, r),
      log: new Logger(nullSink),
      pollMs: 500,
      backoffMs: { initial: 200, max: 2000 },
    });
    const plines: string[] = [];
    proxied.onDidLog((l) => plines.push(l));
    try {
      await proxied.start();
      await proxied.whenSettled();
      // Down: cut every connection and refuse new ones.
      await new Promise<void>((r) => {
        proxy.close(() => r());
        sockets.forEach((s) => s.destroy());
      });
      writeFileSync(join(local, 'during-outage.py'), 'written while the API server was down\n');
      await until('the error status', 30_000, () => proxied.status.kind === 'error');
      // Up again on the same port.
      await new Promise<void>((r) => proxy.listen(port, '127.0.0.1', r));
      await until(
        'the file after the outage',
        60_000,
        async () =>
          (await transport.exec(['cat', `${TARGET}-proxied/during-outage.py`])).stdout.toString() ===
          'written while the API server was down\n',
      );
      await until('idle again', 30_000, () => proxied.status.kind === 'idle');
      assert.ok(
        plines.some((l) => /full re-sync/.test(l)),
        plines.join('\n'),
      );
    } finally {
      proxied.dispose();
      proxy.close();
      sockets.forEach((s) => s.destroy());
    }
  });

  const restartSkipped = process.env.KUBEML_RESTART_APISERVER === '0';
  it(`survives a real API server restart with a full reconcile${restartSkipped ? ' (skipped: KUBEML_RESTART_APISERVER=0)' : ''}`, async function () {
    if (restartSkipped) this.skip();
    const script = join(__dirname, '..', '..', 'scripts', 'cluster', 'cluster.sh');
    const restart = spawn('bash', [script, 'restart-apiserver'], { stdio: 'ignore' });
    const restarted = new Promise<number | null>((resolve) => restart.on('exit', resolve));
    await until('the API server down', 60_000, () => session!.status.kind === 'error');
    writeFileSync(join(local, 'during-outage.py'), 'written while the API server was down\n');
    assert.equal(await restarted, 0, 'cluster.sh restart-apiserver failed');
    await until(
      'the file after the restart',
      120_000,
      async () => (await remoteCat('during-outage.py'))?.toString() === 'written while the API server was down\n',
    );
  });

  it('stops cleanly when the pod is deleted mid-sync', async () => {
    for (let i = 0; i < 200; i++) writeFileSync(join(local, `late-${i}.txt`), 'x'.repeat(10_000));
    await env.core.deleteNamespacedPod({ namespace: pod.namespace, name: pod.name, gracePeriodSeconds: 0 });
    await until('the session to stop', 90_000, () => session!.status.kind === 'stopped');
    assert.match((session!.status as { reason: string }).reason, /gone/);
  });
});
