import { strict as assert } from 'node:assert';
import { parseDocument } from 'yaml';
import { bundledValidator } from '../../lint/schema/bundled';
import { type SchemaProblem } from '../../lint/schema/validator';
import { CLUSTER } from './fixtures';

describe('cluster fixtures are shaped as the API server returns them', () => {
  it('every built-in object validates against the Kubernetes v1.33 schema, and custom resources against their bundled CRDs, status included', () => {
    const v = bundledValidator('1.33');
    let checked = 0;
    for (const o of CLUSTER) {
      const [group, version] = o.apiVersion!.includes('/') ? o.apiVersion!.split('/') : ['', o.apiVersion!];
      if (!v.has(group!, version!, o.kind!)) continue;
      const text = JSON.stringify(o);
      const doc = parseDocument(text);
      const problems: SchemaProblem[] = [];
      v.validate(doc.contents!, group!, version!, o.kind!, problems);
      assert.deepEqual(
        problems.map((p) => `${p.message} at ${text.slice(Math.max(0, p.start - 40), p.end)}`),
        [],
        `${o.kind} ${o.metadata.name}`,
      );
      checked++;
    }
    assert.equal(
      checked,
      CLUSTER.filter((o) => ['Job', 'Pod', 'PersistentVolumeClaim', 'Deployment', 'InferenceService', 'Dataset'].includes(o.kind!)).length,
    );
  });

  it('the check sees a field that does not exist', () => {
    const bad = { ...structuredClone(CLUSTER[0]!), status: { activePods: 2 } };
    const problems: SchemaProblem[] = [];
    bundledValidator().validate(parseDocument(JSON.stringify(bad)).contents!, 'batch', 'v1', 'Job', problems);
    assert.equal(problems.length, 1);
  });
});
