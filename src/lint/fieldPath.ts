import type { Path } from './types';

/** Parses an API field path such as `spec.template.spec.containers[0].resources.limits[nvidia.com/gpu]`. */
export function parseFieldPath(field: string): Path {
  const out: Array<string | number> = [];
  let cur = '';
  for (let i = 0; i < field.length; i++) {
    const ch = field[i]!;
    if (ch === '.') {
      if (cur) out.push(cur);
      cur = '';
    } else if (ch === '[') {
      if (cur) out.push(cur);
      cur = '';
      const close = field.indexOf(']', i);
      const inner = field.slice(i + 1, close < 0 ? field.length : close);
      out.push(/^\d+$/.test(inner) ? Number(inner) : inner.replace(/^"|"$/g, ''));
      i = close < 0 ? field.length : close;
    } else {
      cur += ch;
    }
  }
  if (cur) out.push(cur);
  return out;
}
