import * as yaml from 'yaml';

/*
 * The `yaml` package's node tests, read once. Its dist is CommonJS: a bundler that imports it by
 * name (esbuild for the extension and the CLI) reads each function through a getter on every call,
 * and these run for every node of every manifest linted (a twentieth of lint time in the bundle).
 */
export const isAlias: typeof yaml.isAlias = yaml.isAlias;
export const isMap: typeof yaml.isMap = yaml.isMap;
export const isPair: typeof yaml.isPair = yaml.isPair;
export const isScalar: typeof yaml.isScalar = yaml.isScalar;
export const isSeq: typeof yaml.isSeq = yaml.isSeq;
