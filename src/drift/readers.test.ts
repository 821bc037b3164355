import { strict as assert } from 'node:assert';
import { KubeMLError } from '../common/errors';
import { readTable } from './readers';
import type { Column, Table } from './table';

/** A column's values as text (categories) or numbers; null for missing. */
function valuesOf(c: Column): Array<number | string | null> {
  if (c.kind === 'categorical') return Array.from(c.codes, (k) => (k < 0 ? null : c.categories[k]));
  return Array.from(c.values, (v) => (Number.isNaN(v) ? null : v));
}

const col = (t: Table, name: string): Column => {
  const c = t.columns.find((x) => x.name === name);
  assert.ok(c, `no column "${name}" in ${t.columns.map((x) => x.name).join(', ')}`);
  return c;
};

const rejectsWith = (p: Promise<unknown>, re: RegExp) =>
  assert.rejects(p, (e: unknown) => KubeMLError.is(e) && re.test(e.message + ' ' + (e.hint ?? '')));

describe('drift readers: bad and unusual input', () => {
  it('keeps the spelling of numbers and dates in a column that turns into categories, whatever the row order', async () => {
    const cells = ['1.50', '2', '3.0', '1e3', 'abc', '1.5', '007', '-0'];
    const sorted = (t: Table) => valuesOf(t.columns[0]).map(String).sort();
    const forward = await readTable([`v\n${cells.join('\n')}\n`], 'a.csv');
    const backward = await readTable([`v\n${[...cells].reverse().join('\n')}\n`], 'b.csv');
    assert.deepEqual(sorted(forward), [...cells].sort());
    assert.deepEqual(sorted(backward), [...cells].sort());
    const dates = ['2024-01-01', '2024-01-02 10:00', 'later'];
    const t = await readTable([`d\n${dates.join('\n')}\n`], 'd.csv');
    assert.deepEqual(valuesOf(t.columns[0]), dates);
  });

  it('writes those values as numbers, and says so, when the text can only be read once', async () => {
    function* once() {
      yield 'v\n1.50\nabc\n';
    }
    const t = await readTable(once(), 'once.csv');
    assert.deepEqual(valuesOf(t.columns[0]), ['1.5', 'abc']);
    assert.match(
      t.warnings.join('\n'),
      /Column "v" holds text, but the value read before its first text is written as a number, not as in the file: once\.csv could not be read a second time/,
    );
  });

  it('renames many copies of one name quickly and uniquely, and sums up the warnings', async () => {
    const t = await readTable([`${Array(5000).fill('x').join(',')}\n${Array(5000).fill('1').join(',')}\n`], 'many.csv');
    assert.equal(new Set(t.columns.map((c) => c.name)).size, 5000);
    assert.equal(t.warnings.length, 6);
    assert.match(t.warnings[5], /4,994 more header names repeat/);
  });

  it('keeps the spelling in JSON Lines too (numbers as JSON numbers, text as written)', async () => {
    const lines = ['{"v": 1.5}', '{"v": "1.50"}', '{"v": "abc"}', '{"v": 2}'];
    const a = await readTable([lines.join('\n')], 'a.jsonl');
    const b = await readTable([[...lines].reverse().join('\n')], 'b.jsonl');
    assert.deepEqual(valuesOf(a.columns[0]), ['1.5', '1.50', 'abc', '2']);
    assert.deepEqual(valuesOf(b.columns[0]), ['2', 'abc', '1.50', '1.5']);
  });

  it('renames duplicate header names without colliding with a real column, and says so', async () => {
    const t = await readTable(['a,a,a.1,,column_4\n1,2,3,4,5\n'], 'dup.csv');
    assert.equal(t.columns.length, 5);
    assert.equal(new Set(t.columns.map((c) => c.name)).size, 5, t.columns.map((c) => c.name).join(', '));
    assert.deepEqual(valuesOf(col(t, 'a')), [1]);
    assert.deepEqual(valuesOf(col(t, 'a.1')), [3], 'the real a.1 keeps its values');
    const renamed = t.columns.find((c) => valuesOf(c)[0] === 2)!;
    assert.match(t.warnings.join('\n'), new RegExp(`"a".*column 2.*"${renamed.name.replace('.', '\\.')}"`));
    assert.deepEqual(valuesOf(col(t, 'column_4')), [5]);
  });

  for (const [sep, name] of [
    [';', 'semicolon'],
    ['\t', 'tab'],
  ] as const) {
    it(`finds the ${name} as the separator of a .csv file and says so`, async () => {
      const t = await readTable([`a${sep}b${sep}c\n1,5${sep}x${sep}3\n2,5${sep}y${sep}4\n`], 'semi.csv');
      assert.deepEqual(
        t.columns.map((c) => c.name),
        ['a', 'b', 'c'],
      );
      assert.deepEqual(valuesOf(col(t, 'c')), [3, 4]);
      assert.match(t.warnings.join('\n'), new RegExp(`separated by ${name}s`));
    });
  }

  it('keeps the comma of a .csv when the header has commas, and the tab of a .tsv', async () => {
    const t = await readTable(['a,b;c\n1,2;3\n'], 'x.csv');
    assert.deepEqual(
      t.columns.map((c) => c.name),
      ['a', 'b;c'],
    );
    assert.deepEqual(t.warnings, []);
    const tsv = await readTable(['a\tb,c\n1\t2,3\n'], 'x.tsv');
    assert.deepEqual(
      tsv.columns.map((c) => c.name),
      ['a', 'b,c'],
    );
  });

  it('names the line where an unclosed quote opened, on a long file', async () => {
    const rows = Array.from({ length: 64_000 }, (_, i) => `${i},x${i}`);
    rows.splice(3, 0, '3,"never closed');
    await rejectsWith(readTable([`a,b\n${rows.join('\n')}\n`], 'q.csv'), /quote that opens on line 5 .*never closed/);
  });

  for (const [eol, name] of [
    ['\r', 'CR'],
    ['\n', 'LF'],
    ['\r\n', 'CRLF'],
  ] as const) {
    it(`reads ${name} line endings, split across chunks at any point`, async () => {
      const text = `a,b${eol}1,"x${eol}y"${eol}${eol}2,z${eol}3,w`;
      for (let cut = 0; cut <= text.length; cut++) {
        const t = await readTable([text.slice(0, cut), text.slice(cut)], 'eol.csv');
        assert.equal(t.rows, 3, `cut at ${cut}`);
        assert.deepEqual(valuesOf(col(t, 'a')), [1, 2, 3]);
        assert.deepEqual(valuesOf(col(t, 'b')), [`x${eol}y`, 'z', 'w'], `cut at ${cut}`);
      }
    });
  }

  it('decodes UTF-8 characters split across byte chunks', async () => {
    const bytes = Buffer.from('\ufeffcity,n\nmünchen,1\n東京,2\n', 'utf8');
    for (let cut = 1; cut < bytes.length; cut++) {
      const t = await readTable([bytes.subarray(0, cut), bytes.subarray(cut)], 'u.csv');
      assert.deepEqual(valuesOf(col(t, 'city')), ['münchen', '東京'], `cut at ${cut}`);
    }
  });

  it('refuses more than 10,000 columns and says the limit', async () => {
    const header = Array.from({ length: 10_001 }, (_, i) => `c${i}`).join(',');
    await rejectsWith(readTable([`${header}\n${header.replace(/c/g, '')}\n`], 'wide.csv'), /10,001 columns.*at most 10,000/);
  });

  it('refuses a line longer than 8,388,608 characters and says the limit', async () => {
    const long = 'x'.repeat(9_000_000);
    await rejectsWith(readTable([`a\n1\n${long}\n`], 'long.csv'), /line 3 .*longer than 8,388,608 characters/);
    await rejectsWith(readTable([`{"a": "${long}"}\n`], 'long.jsonl'), /line 1 .*longer than 8,388,608 characters/);
  });

  it('leaves out a column with more than 100,000 distinct categories, and says so', async () => {
    const rows = Array.from({ length: 100_001 }, (_, i) => `id${i},${i % 3}`);
    const t = await readTable([`id,k\n${rows.join('\n')}\n`], 'ids.csv');
    assert.deepEqual(
      t.columns.map((c) => c.name),
      ['k'],
    );
    assert.match(t.warnings.join('\n'), /"id" has more than 100,000 distinct values/);
  });

  it('refuses a malformed JSON line, naming it', async () => {
    await rejectsWith(readTable(['{"a": 1}\n{"a": 2\n{"a": 3}\n'], 'bad.jsonl'), /line 2 is not valid JSON/);
    await rejectsWith(readTable(['{"a": 1}\n[1, 2]\n'], 'arr.jsonl'), /line 2 is a JSON array, not an object/);
  });

  it('refuses a JSON Lines file whose lines share no keys when it would take far more memory than its size', async () => {
    const lines = Array.from({ length: 20_000 }, (_, i) => `{"k${i}": 1}`);
    await rejectsWith(readTable([lines.join('\n')], 'sparse.jsonl'), /values per character/);
  });
});
