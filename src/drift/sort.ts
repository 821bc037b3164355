/**
 * Sorting numbers fast: an LSD radix sort on the IEEE-754 bits (four 16-bit digits), about
 * 2x faster than Float64Array.prototype.sort for a million values. The digits are read from
 * an order-preserving key (sign flipped for positives, all bits flipped for negatives) that is
 * computed on the fly; the values themselves move, as whole doubles. NaN must be removed first.
 */
const RADIX_MIN = 2048;

// Scratch space reused across calls on this thread (up to 4M values, 32 MB): a fresh 8 MB
// array per sort costs its zeroing and page faults every time.
const SCRATCH_MAX = 1 << 22;
let scratch = new Float64Array(0);
const counts = new Uint32Array(4 * 65536);

export function sortFloat64(values: Float64Array): Float64Array {
  const n = values.length;
  if (n < RADIX_MIN) return values.sort();
  const words = new Uint32Array(values.buffer, values.byteOffset, n * 2);
  counts.fill(0);
  if (scratch.length < n && n <= SCRATCH_MAX) scratch = new Float64Array(n);
  for (let i = 0; i < 2 * n; i += 2) {
    const hi0 = words[i + 1];
    const m = hi0 >> 31; // -1 for negatives, 0 otherwise
    const lo = (words[i] ^ m) >>> 0;
    const hi = (hi0 ^ (m | 0x80000000)) >>> 0;
    counts[lo & 0xffff]++;
    counts[65536 + (lo >>> 16)]++;
    counts[131072 + (hi & 0xffff)]++;
    counts[196608 + (hi >>> 16)]++;
  }
  let src: Float64Array = values;
  let srcWords: Uint32Array = words;
  let dst: Float64Array = n <= SCRATCH_MAX ? scratch.subarray(0, n) : new Float64Array(n);
  let dstWords: Uint32Array = new Uint32Array(dst.buffer, dst.byteOffset, 2 * n);
  for (let pass = 0; pass < 4; pass++) {
    const base = pass * 65536;
    // A digit shared by every value needs no pass.
    let used = 0;
    for (let d = 0; d < 65536 && used < 2; d++) if (counts[base + d] !== 0) used++;
    if (used < 2) continue;
    bucketStarts(base);
    if (pass < 2) {
      const shift = pass === 0 ? 0 : 16;
      for (let i = 0; i < n; i++) {
        const m = srcWords[2 * i + 1] >> 31;
        const digit = ((srcWords[2 * i] ^ m) >>> shift) & 0xffff;
        dst[counts[base + digit]++] = src[i];
      }
    } else {
      const shift = pass === 2 ? 0 : 16;
      for (let i = 0; i < n; i++) {
        const hi0 = srcWords[2 * i + 1];
        const digit = ((hi0 ^ ((hi0 >> 31) | 0x80000000)) >>> shift) & 0xffff;
        dst[counts[base + digit]++] = src[i];
      }
    }
    [src, dst] = [dst, src];
    [srcWords, dstWords] = [dstWords, srcWords];
  }
  if (src !== values) values.set(src);
  return values;
}

/** What sortedFinite() gives: the finite values sorted, and how many NaN and ±Infinity it left out. */
export interface FiniteSort {
  readonly sorted: Float64Array;
  readonly missing: number;
  readonly nonFinite: number;
}

/** Which way sortedFinite went, counted since start (for tests and benchmarks). */
export const sortPaths = { small: 0, radix: 0, topKey: 0, topKeyFallback: 0 };

/**
 * The finite values of src[start, end), sorted, in a new array; NaN and ±Infinity are counted and
 * left out. The same result as filtering then sortFloat64.
 *
 * Usually two radix passes instead of four: the values are ordered by the top 32 bits of their key
 * (sign, exponent and 20 bits of mantissa), which leaves only values that share those bits out of
 * order, in short runs that one insertion pass puts right. When the top bits cannot tell the values
 * apart well (the top two digits take too few values between them, as for a small spread around a
 * large offset) it is the full four-pass radix sort instead; and if the insertion pass turns out to
 * be long after all, it stops and the standard sort finishes the nearly sorted array.
 */
export function sortedFinite(src: Float64Array, start = 0, end = src.length): FiniteSort {
  const len = end - start;
  if (len < RADIX_MIN || len > SCRATCH_MAX || (src.byteOffset & 7) !== 0) {
    sortPaths.small++;
    let missing = 0;
    let nonFinite = 0;
    const out = new Float64Array(len);
    let n = 0;
    for (let i = start; i < end; i++) {
      const v = src[i];
      if (v - v === 0) out[n++] = v;
      else if (Number.isNaN(v)) missing++;
      else nonFinite++;
    }
    return { sorted: sortFloat64(n === len ? out : out.slice(0, n)), missing, nonFinite };
  }
  const words = new Uint32Array(src.buffer, src.byteOffset, src.length * 2);
  // Counts of the top two 16-bit digits of the key (digits 2 and 3), and what is not finite.
  counts.fill(0, 2 * 65536);
  let missing = 0;
  let nonFinite = 0;
  for (let i = start; i < end; i++) {
    const hi0 = words[2 * i + 1];
    if ((hi0 & 0x7ff00000) === 0x7ff00000) {
      if (Number.isNaN(src[i])) missing++;
      else nonFinite++;
      continue;
    }
    const hi = (hi0 ^ ((hi0 >> 31) | 0x80000000)) >>> 0;
    counts[131072 + (hi & 0xffff)]++;
    counts[196608 + (hi >>> 16)]++;
  }
  const n = len - missing - nonFinite;
  const out = new Float64Array(n);
  if (n === 0) return { sorted: out, missing, nonFinite };
  if (n < RADIX_MIN) {
    // Few finite values in a long (sparse) column: the standard sort on them.
    sortPaths.small++;
    copyFinite(src, start, end, out);
    return { sorted: out.sort(), missing, nonFinite };
  }
  let used2 = 0;
  let used3 = 0;
  for (let d = 0; d < 65536; d++) {
    if (counts[131072 + d] !== 0) used2++;
    if (counts[196608 + d] !== 0) used3++;
  }
  // At most used2 * used3 distinct top keys: fewer than n / 2 means runs of 2 or more on average.
  if (used2 * used3 < n / 2) return fullRadix(src, start, end, words, out, missing, nonFinite);
  sortPaths.topKey++;
  scatter(
    src,
    start,
    end,
    words,
    out,
    [used2 > 1 ? 2 : -1, used3 > 1 ? 3 : -1].filter((p) => p >= 0),
  );
  // Values out of order now share their top key and sit next to each other: insertion sort, with
  // a budget of moves; past it the standard sort finishes (still right, on nearly sorted data).
  let budget = 4 * n;
  for (let i = 1; i < n; i++) {
    const v = out[i];
    if (out[i - 1] <= v) continue;
    let j = i - 1;
    while (j >= 0 && out[j] > v) {
      out[j + 1] = out[j];
      j--;
    }
    out[j + 1] = v;
    budget -= i - j;
    if (budget < 0) {
      sortPaths.topKeyFallback++;
      out.sort();
      break;
    }
  }
  return { sorted: out, missing, nonFinite };
}

/** sortedFinite's four-pass path: the radix sort on every digit, its first scatter reading src directly. */
function fullRadix(
  src: Float64Array,
  start: number,
  end: number,
  words: Uint32Array,
  out: Float64Array,
  missing: number,
  nonFinite: number,
): FiniteSort {
  sortPaths.radix++;
  counts.fill(0);
  for (let i = start; i < end; i++) {
    const hi0 = words[2 * i + 1];
    if ((hi0 & 0x7ff00000) === 0x7ff00000) continue;
    const m = hi0 >> 31;
    const lo = (words[2 * i] ^ m) >>> 0;
    const hi = (hi0 ^ (m | 0x80000000)) >>> 0;
    counts[lo & 0xffff]++;
    counts[65536 + (lo >>> 16)]++;
    counts[131072 + (hi & 0xffff)]++;
    counts[196608 + (hi >>> 16)]++;
  }
  // Passes that change the order (a digit shared by every value needs none).
  const passes: number[] = [];
  for (let pass = 0; pass < 4; pass++) {
    const base = pass * 65536;
    let used = 0;
    for (let d = 0; d < 65536 && used < 2; d++) if (counts[base + d] !== 0) used++;
    if (used >= 2) passes.push(pass);
  }
  scatter(src, start, end, words, out, passes);
  return { sorted: out, missing, nonFinite };
}

/** The finite values of src[start, end), in their order, into out (which has room for exactly them). */
function copyFinite(src: Float64Array, start: number, end: number, out: Float64Array): void {
  let k = 0;
  for (let i = start; i < end; i++) if (src[i] - src[i] === 0) out[k++] = src[i];
}

/** Turns the counts of one digit into the start of each bucket (exclusive prefix sums). */
function bucketStarts(base: number): void {
  let sum = 0;
  for (let d = 0; d < 65536; d++) {
    const c = counts[base + d];
    counts[base + d] = sum;
    sum += c;
  }
}

/**
 * The LSD passes on the given digits (0, 1: the key's low word; 2, 3: its high word), counted
 * beforehand in `counts`: the first reads the finite values of src[start, end) directly, the
 * passes ping-pong between `out` and the scratch array so that the last one writes into `out`.
 * With no pass at all it copies the finite values into `out`, in their order.
 */
function scatter(src: Float64Array, start: number, end: number, words: Uint32Array, out: Float64Array, passes: readonly number[]): void {
  const n = out.length;
  if (passes.length === 0) {
    // No digit differs between the values: nothing to scatter on, they go to out as they come
    // (the top-key path's insertion pass then orders values that differ only in the low bits).
    copyFinite(src, start, end, out);
    return;
  }
  if (scratch.length < n) scratch = new Float64Array(Math.max(n, Math.min(SCRATCH_MAX, 2 * scratch.length)));
  const tmp = scratch.subarray(0, n);
  const bufs = passes.length % 2 === 1 ? [out, tmp] : [tmp, out];
  for (let p = 0; p < passes.length; p++) {
    const pass = passes[p];
    const base = pass * 65536;
    bucketStarts(base);
    const dst = bufs[p % 2];
    const low = pass < 2;
    const shift = pass % 2 === 0 ? 0 : 16;
    if (p === 0) {
      for (let i = start; i < end; i++) {
        const hi0 = words[2 * i + 1];
        if ((hi0 & 0x7ff00000) === 0x7ff00000) continue; // NaN, ±Infinity
        const digit = low ? ((words[2 * i] ^ (hi0 >> 31)) >>> shift) & 0xffff : ((hi0 ^ ((hi0 >> 31) | 0x80000000)) >>> shift) & 0xffff;
        dst[counts[base + digit]++] = src[i];
      }
    } else {
      const from = bufs[(p + 1) % 2];
      const fw = new Uint32Array(from.buffer, from.byteOffset, 2 * n);
      if (low) {
        for (let i = 0; i < n; i++) {
          const digit = ((fw[2 * i] ^ (fw[2 * i + 1] >> 31)) >>> shift) & 0xffff;
          dst[counts[base + digit]++] = from[i];
        }
      } else {
        for (let i = 0; i < n; i++) {
          const hi0 = fw[2 * i + 1];
          const digit = ((hi0 ^ ((hi0 >> 31) | 0x80000000)) >>> shift) & 0xffff;
          dst[counts[base + digit]++] = from[i];
        }
      }
    }
  }
}
