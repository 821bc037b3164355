/**
 * The few protobuf messages of an event file that hold scalars, decoded by hand from the wire
 * format (varints, fixed32/64, length-delimited): Event { wall_time = 1 (double), step = 2 (int64),
 * summary = 5 }, Summary { value = 1 (repeated) }, Summary.Value { tag = 1, simple_value = 2 (float),
 * metadata = 9, tensor = 8 }, SummaryMetadata { plugin_data = 1 { plugin_name = 1 } }, TensorProto
 * { dtype = 1, tensor_content = 4, float_val = 5, double_val = 6 }. Everything else (histograms,
 * images, text, graphs) is skipped by its wire type. Pure; nothing here throws on bad bytes: a
 * decoder that runs off its message returns undefined.
 */

/** A scalar of one event. */
export interface ScalarValue {
  readonly tag: string;
  readonly value: number;
}
export interface DecodedEvent {
  readonly wallTime: number;
  readonly step: number;
  readonly scalars: ScalarValue[];
}

const DT_FLOAT = 1;
const DT_DOUBLE = 2;
const SCALARS = [0x73, 0x63, 0x61, 0x6c, 0x61, 0x72, 0x73]; // "scalars"

/** A cursor over one buffer; `bad` is set instead of throwing. */
class Wire {
  pos: number;
  bad = false;
  constructor(
    readonly buf: Uint8Array,
    readonly view: DataView,
    start: number,
    public end: number,
  ) {
    this.pos = start;
  }

  varint(): number {
    const b = this.buf;
    let x = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) {
        this.bad = true;
        return 0;
      }
      const c = b[this.pos++];
      x += (c & 0x7f) * mul;
      if (c < 0x80) return x;
      mul *= 128;
    }
    this.bad = true;
    return 0;
  }

  /** Skips a field of the given wire type. */
  skip(wt: number): void {
    switch (wt) {
      case 0:
        this.varint();
        return;
      case 1:
        this.pos += 8;
        break;
      case 2: {
        const n = this.varint();
        this.pos += n;
        break;
      }
      case 5:
        this.pos += 4;
        break;
      default:
        this.bad = true; // groups (3, 4) are not used by these messages
        return;
    }
    if (this.pos > this.end) this.bad = true;
  }

  /** The [start, end) of a length-delimited field whose tag was just read. */
  bytes(): [number, number] {
    const n = this.varint();
    const s = this.pos;
    this.pos += n;
    if (this.pos > this.end) this.bad = true;
    return [s, this.pos];
  }
}

/** A string of bytes [s, e): plain ASCII without a decoder (tags are short), UTF-8 otherwise. */
function text(buf: Uint8Array, s: number, e: number): string {
  if (e - s <= 64) {
    let out = '';
    for (let i = s; i < e; i++) {
      const c = buf[i];
      if (c >= 0x80) return Buffer.from(buf.buffer, buf.byteOffset + s, e - s).toString('utf8');
      out += String.fromCharCode(c);
    }
    return out;
  }
  return Buffer.from(buf.buffer, buf.byteOffset + s, e - s).toString('utf8');
}

/** True when SummaryMetadata [s, e) names the "scalars" plugin. */
function isScalarsPlugin(w: Wire, s: number, e: number): boolean {
  const m = new Wire(w.buf, w.view, s, e);
  while (m.pos < e && !m.bad) {
    const key = m.varint();
    if (key === ((1 << 3) | 2)) {
      const [ps, pe] = m.bytes();
      const p = new Wire(w.buf, w.view, ps, pe);
      while (p.pos < pe && !p.bad) {
        const k = p.varint();
        if (k === ((1 << 3) | 2)) {
          const [ns, ne] = p.bytes();
          if (p.bad || ne - ns !== SCALARS.length) return false;
          for (let i = 0; i < SCALARS.length; i++) if (w.buf[ns + i] !== SCALARS[i]) return false;
          return true;
        }
        p.skip(k & 7);
      }
      return false;
    }
    m.skip(key & 7);
  }
  return false;
}

/** The single value of a float or double TensorProto [s, e), or undefined. */
function tensorScalar(w: Wire, s: number, e: number): number | undefined {
  const t = new Wire(w.buf, w.view, s, e);
  let dtype = 0;
  let value: number | undefined;
  let content: [number, number] | undefined;
  while (t.pos < e && !t.bad) {
    const key = t.varint();
    const field = key >>> 3;
    const wt = key & 7;
    if (field === 1 && wt === 0) dtype = t.varint();
    else if (field === 4 && wt === 2) content = t.bytes();
    else if (field === 5 && wt === 2) {
      const [a, b] = t.bytes(); // packed floats: the first one
      if (b - a >= 4 && !t.bad) value = w.view.getFloat32(a, true);
    } else if (field === 5 && wt === 5) {
      if (t.pos + 4 > e) return undefined;
      value = w.view.getFloat32(t.pos, true);
      t.pos += 4;
    } else if (field === 6 && wt === 2) {
      const [a, b] = t.bytes();
      if (b - a >= 8 && !t.bad) value = w.view.getFloat64(a, true);
    } else if (field === 6 && wt === 1) {
      if (t.pos + 8 > e) return undefined;
      value = w.view.getFloat64(t.pos, true);
      t.pos += 8;
    } else t.skip(wt);
  }
  if (t.bad) return undefined;
  if (content) {
    if (dtype === DT_FLOAT && content[1] - content[0] === 4) return w.view.getFloat32(content[0], true);
    if (dtype === DT_DOUBLE && content[1] - content[0] === 8) return w.view.getFloat64(content[0], true);
    return undefined;
  }
  return dtype === DT_FLOAT || dtype === DT_DOUBLE ? value : undefined;
}

/** Adds the scalars of Summary [s, e) to `out`; false when its bytes are not a Summary. */
function summaryScalars(w: Wire, s: number, e: number, out: ScalarValue[]): boolean {
  const m = new Wire(w.buf, w.view, s, e);
  while (m.pos < e && !m.bad) {
    const key = m.varint();
    if (key !== ((1 << 3) | 2)) {
      m.skip(key & 7);
      continue;
    }
    const [vs, ve] = m.bytes();
    if (m.bad) break;
    const v = new Wire(w.buf, w.view, vs, ve);
    let tag: string | undefined;
    let simple: number | undefined;
    let tensor: [number, number] | undefined;
    let meta: [number, number] | undefined;
    while (v.pos < ve && !v.bad) {
      const k = v.varint();
      const field = k >>> 3;
      const wt = k & 7;
      if (field === 1 && wt === 2) {
        const [a, b] = v.bytes();
        if (!v.bad) tag = text(w.buf, a, b);
      } else if (field === 2 && wt === 5) {
        if (v.pos + 4 > ve) v.bad = true;
        else simple = w.view.getFloat32(v.pos, true);
        v.pos += 4;
      } else if (field === 8 && wt === 2) tensor = v.bytes();
      else if (field === 9 && wt === 2) meta = v.bytes();
      else v.skip(wt);
    }
    if (v.bad) return false;
    if (tag === undefined) continue;
    if (simple !== undefined) out.push({ tag, value: simple });
    else if (tensor && meta && isScalarsPlugin(w, meta[0], meta[1])) {
      const x = tensorScalar(w, tensor[0], tensor[1]);
      if (x !== undefined) out.push({ tag, value: x });
    }
  }
  return !m.bad;
}

/**
 * Decodes the Event in bytes [s, e) of `buf` (`view` over the same buffer); undefined when the
 * bytes are not an Event. Events without scalars give an empty list.
 */
export function decodeEvent(buf: Uint8Array, view: DataView, s: number, e: number): DecodedEvent | undefined {
  const w = new Wire(buf, view, s, e);
  let wallTime = 0;
  let step = 0;
  const scalars: ScalarValue[] = [];
  while (w.pos < e && !w.bad) {
    const key = w.varint();
    const field = key >>> 3;
    const wt = key & 7;
    if (field === 1 && wt === 1) {
      if (w.pos + 8 > e) return undefined;
      wallTime = view.getFloat64(w.pos, true);
      w.pos += 8;
    } else if (field === 2 && wt === 0) {
      step = w.varint();
      if (step >= 2 ** 63) step -= 2 ** 64; // int64: negative steps come as 10-byte varints
    } else if (field === 5 && wt === 2) {
      const [a, b] = w.bytes();
      if (w.bad || !summaryScalars(w, a, b, scalars)) return undefined;
    } else w.skip(wt);
  }
  return w.bad ? undefined : { wallTime, step, scalars };
}
