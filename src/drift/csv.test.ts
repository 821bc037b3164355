import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KubeMLError } from '../common/errors';
import { CsvRecords, LineSplitter, parseCsv, sniffDelimiter } from './csv';

// Cases and the records csv-parse returns for them: test/fixtures/drift/make_csv_cases.mjs.
const FIX = join(__dirname, '../../test/fixtures/drift');
const fixture = JSON.parse(readFileSync(join(FIX, 'csv-cases.json'), 'utf8')) as {
  library: string;
  cases: Array<{ name: string; delimiter: string; input: string; records?: string[][]; error?: string }>;
};

const blank = (r: string[]) => r.length === 1 && r[0] === '';

/** Records of a text fed in the given pieces, blank lines left out (as the readers do, and csv-parse with skip_empty_lines). */
function records(pieces: string[], delim: string): string[][] {
  const out: string[][] = [];
  const recs = new CsvRecords('mem.csv', delim, 1 << 20, (f) => (blank(f) || out.push(f), true));
  const lines = new LineSplitter('mem.csv', 1 << 20, (t, eol, n) => recs.line(t, eol, n));
  pieces.forEach((p, i) => lines.push(i === 0 && p.charCodeAt(0) === 0xfeff ? p.slice(1) : p));
  lines.end();
  recs.end();
  return out;
}

describe(`drift CSV parser against ${fixture.library}`, () => {
  for (const c of fixture.cases) {
    it(`${c.name}: the records of the library, whole and cut into two chunks at every point`, () => {
      for (let cut = 0; cut <= c.input.length; cut++) {
        const pieces = cut === 0 ? [c.input] : [c.input.slice(0, cut), c.input.slice(cut)];
        if (c.error) {
          assert.throws(
            () => records(pieces, c.delimiter),
            (e: unknown) => KubeMLError.is(e) && /the quote that opens on line \d+ is never closed/.test(e.message),
            `cut at ${cut}`,
          );
        } else {
          assert.deepEqual(records(pieces, c.delimiter), c.records, `cut at ${cut}`);
        }
      }
    });
  }

  it('covers every kind of case the brief lists', () => {
    const names = fixture.cases.map((c) => c.name).join('\n');
    for (const kind of [
      /quoted/,
      /escaped quotes/,
      /line breaks inside quotes/,
      /^CR$/m,
      /^CRLF$/m,
      /BOM/,
      /semicolon/,
      /tab/,
      /empty fields/,
      /no trailing line break/,
      /blank lines/,
    ])
      assert.match(names, kind);
  });
});

describe('drift CSV parser: lines and positions', () => {
  it('numbers records by the line they start on, and names the line of an unclosed quote', () => {
    const seen: Array<[string, number]> = [];
    const recs = new CsvRecords('m.csv', ',', 1 << 20, (f, line) => (seen.push([f[0], line]), true));
    const lines = new LineSplitter('m.csv', 1 << 20, (t, eol, n) => recs.line(t, eol, n));
    lines.push('a\r\n"b\r\nc"\r\nd\re\n\nf');
    lines.end();
    assert.deepEqual(seen, [
      ['a', 1],
      ['b\r\nc', 2],
      ['d', 4],
      ['e', 5],
      ['', 6],
      ['f', 7],
    ]);
    assert.throws(() => parseCsv('a\nb\n1,"x,\n2\n3\n'), /m?the quote that opens on line 3 is never closed \(the file ends inside it\)/);
  });

  it('stops a quoted field that runs past the record limit, naming where it opened', () => {
    const text = `a\n"${'x\n'.repeat(100)}`;
    assert.throws(() => parseCsv(text, ',', 50), /quote that opens on line 2 is never closed \(it runs past 50 characters/);
  });

  it('refuses a line past the limit, kept over several chunks', () => {
    const lines = new LineSplitter('m.csv', 10, () => true);
    lines.push('12345');
    lines.push('67890');
    assert.throws(() => lines.push('1'), /line 1 is longer than 10 characters/);
  });

  it('stops handing out lines when asked', () => {
    const got: string[] = [];
    const lines = new LineSplitter('m.csv', 100, (t) => (got.push(t), got.length < 2));
    assert.equal(lines.push('a\nb\nc\n'), false);
    lines.end();
    assert.deepEqual(got, ['a', 'b']);
  });

  it('finds the delimiter from the first records', () => {
    assert.equal(sniffDelimiter('a;b;c\n1,5;2;3\n', ','), ';');
    assert.equal(sniffDelimiter('a\tb\n1\t2\n', ','), '\t');
    assert.equal(sniffDelimiter('a,b;c\n1,2;3\n', ','), ',', 'a tie goes to the preferred one');
    assert.equal(sniffDelimiter('a;b,c;d\n1;2;3\n', ','), ';', 'the one found the same number of times in every record');
    assert.equal(sniffDelimiter('"x;y",b\n"1;2",3\n', ','), ',', 'delimiters inside quotes do not count');
    assert.equal(sniffDelimiter('value\n1\n', '\t'), '\t');
    assert.equal(sniffDelimiter('', ','), ',');
  });
});
