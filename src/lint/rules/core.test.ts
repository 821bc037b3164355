import { strict as assert } from 'node:assert';
import { parse } from 'yaml';
import { CLEAN_GPU_JOB, fix, hits, lint, y } from '../testUtil';

/** The clean Job with one line changed. */
function job(from: string, to: string): string {
  assert.ok(CLEAN_GPU_JOB.includes(from), `fixture has no "${from}"`);
  return CLEAN_GPU_JOB.replace(from, to);
}

/** Asserts the rule fires once, where expected, and that its preferred fix (if any) silences it. */
function once(text: string, rule: string, line: number, underlined: string, withFix = true): string | undefined {
  const h = hits(text, rule);
  assert.equal(h.length, 1, `${rule}: ${JSON.stringify(h.map((x) => x.message))}`);
  assert.equal(h[0]!.line, line);
  assert.equal(h[0]!.text, underlined);
  if (!withFix) return undefined;
  const fixed = fix(text, h[0]!);
  assert.doesNotThrow(() => parse(fixed), fixed);
  assert.deepEqual(hits(fixed, rule), [], `still fires after the fix:\n${fixed}`);
  return fixed;
}

describe('lint core rules', () => {
  it('the clean GPU Job has no findings at all', () => {
    assert.deepEqual(
      lint(CLEAN_GPU_JOB).map((h) => h.rule),
      [],
    );
  });

  describe('latest-tag', () => {
    it('flags :latest and a missing tag on the image value', () => {
      once(job('ghcr.io/acme/train:1.2.0', 'ghcr.io/acme/train:latest'), 'latest-tag', 21, 'ghcr.io/acme/train:latest', false);
      once(job('ghcr.io/acme/train:1.2.0', 'localhost:5000/train'), 'latest-tag', 21, 'localhost:5000/train', false);
    });
    it('accepts a version tag and a digest, even with a registry port', () => {
      assert.deepEqual(hits(job('ghcr.io/acme/train:1.2.0', 'localhost:5000/train:2'), 'latest-tag'), []);
      assert.deepEqual(hits(job('ghcr.io/acme/train:1.2.0', 'ghcr.io/acme/train@sha256:' + 'a'.repeat(64)), 'latest-tag'), []);
    });
  });

  describe('resources', () => {
    it('unset-cpu-requirements: a missing CPU request, fixed from the limit', () => {
      const text = job(
        '              cpu: "4"\n              memory: 16Gi\n              nvidia.com/gpu: 1\n            limits:',
        '              memory: 16Gi\n              nvidia.com/gpu: 1\n            limits:',
      );
      const fixed = once(text, 'unset-cpu-requirements', 27, 'requests');
      assert.equal(parse(fixed!).spec.template.spec.containers[0].resources.requests.cpu, '4');
    });
    it('unset-memory-requirements: a missing memory limit, fixed from the request', () => {
      const text = job(
        '              cpu: "4"\n              memory: 16Gi\n              nvidia.com/gpu: 1\n          volumeMounts:',
        '              cpu: "4"\n              nvidia.com/gpu: 1\n          volumeMounts:',
      );
      const fixed = once(text, 'unset-memory-requirements', 31, 'limits');
      assert.equal(parse(fixed!).spec.template.spec.containers[0].resources.limits.memory, '16Gi');
    });
    it('unset-memory-requirements and unset-cpu-limit on a container without resources, no fix (no value to copy)', () => {
      const text = y(
        'apiVersion: v1',
        'kind: Pod',
        'metadata: {name: p}',
        'spec:',
        '  containers:',
        '    - name: app',
        '      image: nginx:1.27',
      );
      const mem = hits(text, 'unset-memory-requirements');
      assert.deepEqual(
        mem.map((h) => [h.line, h.text]),
        [
          [6, 'app'],
          [6, 'app'],
        ],
      );
      assert.deepEqual(mem.map((h) => h.message).sort(), [
        'Container "app" has no memory limit.',
        'Container "app" has no memory request.',
      ]);
      assert.ok(mem.every((h) => !h.finding.fixes));
      assert.equal(hits(text, 'unset-cpu-limit').length, 1);
      assert.equal(hits(text, 'unset-cpu-limit')[0]!.severity, 'info');
    });
  });

  describe('security', () => {
    it('privileged-container: underlines the value and fixes it to false', () => {
      once(
        job('            allowPrivilegeEscalation: false', '            allowPrivilegeEscalation: false\n            privileged: true'),
        'privileged-container',
        25,
        'true',
      );
    });
    it('privilege-escalation-container: missing or true', () => {
      once(job('            allowPrivilegeEscalation: false\n', ''), 'privilege-escalation-container', 20, 'train');
      once(job('allowPrivilegeEscalation: false', 'allowPrivilegeEscalation: true'), 'privilege-escalation-container', 24, 'true');
    });
    it('host-network, host-pid, host-ipc', () => {
      once(job('      restartPolicy: Never', '      restartPolicy: Never\n      hostNetwork: true'), 'host-network', 11, 'true');
      once(job('      restartPolicy: Never', '      restartPolicy: Never\n      hostPID: true'), 'host-pid', 11, 'true');
      once(job('      restartPolicy: Never', '      restartPolicy: Never\n      hostIPC: true'), 'host-ipc', 11, 'true');
      assert.deepEqual(hits(job('      restartPolicy: Never', '      restartPolicy: Never\n      hostNetwork: false'), 'host-network'), []);
    });
    it('run-as-non-root: no setting anywhere (fixable), and runAsUser: 0 (not)', () => {
      once(job('      securityContext:\n        runAsNonRoot: true\n', ''), 'run-as-non-root', 18, 'train');
      once(job('        runAsNonRoot: true', '        runAsUser: 0'), 'run-as-non-root', 18, '0', false);
      assert.deepEqual(hits(job('        runAsNonRoot: true', '        runAsUser: 1000'), 'run-as-non-root'), []);
    });
    it('no-read-only-root-fs is info and fixable', () => {
      const h = hits(job('            readOnlyRootFilesystem: true\n', ''), 'no-read-only-root-fs');
      assert.equal(h.length, 1);
      assert.equal(h[0]!.severity, 'info');
      once(job('            readOnlyRootFilesystem: true\n', ''), 'no-read-only-root-fs', 20, 'train');
    });
    it('sensitive-host-mounts: the docker socket', () => {
      const text = job('          emptyDir:\n            medium: Memory', '          hostPath:\n            path: /var/run/docker.sock');
      once(text, 'sensitive-host-mounts', 41, '/var/run/docker.sock', false);
      assert.deepEqual(
        hits(
          job('          emptyDir:\n            medium: Memory', '          hostPath:\n            path: /data/models'),
          'sensitive-host-mounts',
        ),
        [],
      );
    });
    it('ssh-port and env-var-secret', () => {
      once(
        job(
          '          command: ["torchrun", "train.py"]',
          '          command: ["torchrun", "train.py"]\n          ports:\n            - containerPort: 22',
        ),
        'ssh-port',
        24,
        '22',
        false,
      );
      const env = job(
        '          command: ["torchrun", "train.py"]',
        '          command: ["torchrun", "train.py"]\n          env:\n            - name: HF_TOKEN\n              value: hf_abc\n            - name: EPOCHS\n              value: "3"',
      );
      once(env, 'env-var-secret', 25, 'hf_abc', false);
    });
  });

  describe('reliability', () => {
    it('duplicate-env-var underlines the second name', () => {
      const text = job(
        '          command: ["torchrun", "train.py"]',
        '          command: ["torchrun", "train.py"]\n          env:\n            - name: EPOCHS\n              value: "3"\n            - name: EPOCHS\n              value: "4"',
      );
      once(text, 'duplicate-env-var', 26, 'EPOCHS', false);
    });
    it('mismatching-selector: fix adds the label to the template', () => {
      const text = y(
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata: {name: web}',
        'spec:',
        '  selector:',
        '    matchLabels: {app: web, tier: front}',
        '  template:',
        '    metadata:',
        '      labels:',
        '        app: web',
        '    spec:',
        '      containers: [{name: web, image: "nginx:1.27"}]',
      );
      const fixed = once(text, 'mismatching-selector', 6, 'front');
      assert.deepEqual(parse(fixed!).spec.template.metadata.labels, { tier: 'front', app: 'web' });
      assert.deepEqual(
        hits(
          text.replace('tier: front', 'app2: web').replace('        app: web', '        app: web\n        app2: web'),
          'mismatching-selector',
        ),
        [],
      );
    });
    it('deprecated-service-account-field', () => {
      once(
        job('      restartPolicy: Never', '      restartPolicy: Never\n      serviceAccount: trainer'),
        'deprecated-service-account-field',
        11,
        'serviceAccount',
        false,
      );
    });
  });
});
