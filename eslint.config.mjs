// @ts-check
import tseslint from 'typescript-eslint';

/** Modules allowed to import 'vscode': the thin editor skin. Everything else stays testable in plain Node. */
const VSCODE_SKIN = [
  'src/extension.ts',
  'src/extensionMain.ts',
  'src/**/view.ts',
  'src/**/views.ts',
  'src/**/commands.ts',
  'src/**/panel.ts',
  'src/**/diagnostics.ts',
  'src/**/statusBar.ts',
  'src/**/vscode*.ts',
  'src/common/ui/**',
  'test/vscode/**',
  'test/installed/**',
  'test/support/**',
  'bench/host/**',
];

/**
 * The walls of the house (README, "Architecture"). Features are the folders under src/ that hold
 * one capability each; they import cluster/, common/, model/ (and constants.ts) and themselves,
 * never each other. model/ is the leaf that features share; cluster/ and common/ import no feature.
 * Only the composition roots (extension.ts, extensionMain.ts, lazy/, cli/) see every feature.
 * scripts/check-boundaries.mjs checks the same walls on the resolved import graph and proves that
 * these rules catch a reach-in.
 */
export const FEATURES = ['drift', 'explorer', 'lint', 'runs', 'sync', 'experiments', 'queues', 'health'];
const ROOTS = ['lazy', 'cli'];
const folderRe = (names) => `^(\\.\\./)+(${names.join('|')})(/|$)`;
const wall = (names, message) => ({ regex: folderRe(names), message });

/** What each layer may not import, besides 'vscode' outside the skin. */
const LAYERS = [
  ...FEATURES.map((f) => ({
    files: [`src/${f}/**/*.ts`],
    patterns: [
      wall(
        [...FEATURES.filter((g) => g !== f), ...ROOTS],
        `A feature imports only cluster/, common/, model/ and itself. Move what two features share down into cluster/, common/ or model/.`,
      ),
    ],
  })),
  {
    files: ['src/model/**/*.ts'],
    patterns: [wall([...FEATURES, ...ROOTS], 'model/ is the leaf that features share: it imports no feature.')],
  },
  {
    files: ['src/cluster/**/*.ts'],
    patterns: [wall([...FEATURES, ...ROOTS, 'model'], 'cluster/ serves every feature: it imports only common/ and itself.')],
  },
  {
    files: ['src/common/**/*.ts'],
    patterns: [wall([...FEATURES, ...ROOTS, 'model', 'cluster'], 'common/ is the floor: it imports nothing of KubeML but constants.ts.')],
  },
];

const VSCODE_PATH = {
  name: 'vscode',
  message:
    "Only the editor skin (view.ts, commands.ts, panel.ts, diagnostics.ts, statusBar.ts, ...) may import 'vscode'; keep logic in plain Node.",
};
const NODE_FETCH_PATH = {
  name: 'node-fetch',
  message: 'HTTP goes through src/cluster/http.ts (the one HTTP stack): use httpFetch, or KubeClient for the API server.',
};
const HTTP_STACK = 'src/cluster/http.ts';

/** Tests may cross the walls (a test of the transport drives sync's pod source) and use any HTTP client. */
const TESTS = ['**/*.test.ts', 'src/**/fake*.ts'];

/** One no-restricted-imports setting (ESLint does not merge a rule's options across config objects). */
const restricted = (vscode, patterns, fetch = true) => [
  'error',
  { paths: [...(vscode ? [VSCODE_PATH] : []), ...(fetch ? [NODE_FETCH_PATH] : [])], patterns },
];

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', 'test-results/**', '.vscode-test/**', 'samples/**', '**/*.mjs', '**/*.js'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-exports': [
        'error',
        { restrictDefaultExports: { direct: true, named: true, defaultFrom: true, namedFrom: true, namespaceFrom: true } },
      ],
      'no-restricted-imports': restricted(true, [], false),
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: [HTTP_STACK, ...TESTS],
    rules: { 'no-restricted-globals': ['error', { name: 'fetch', message: NODE_FETCH_PATH.message }] },
  },
  { files: ['src/**/*.ts'], ignores: TESTS, rules: { 'no-restricted-imports': restricted(true, []) } },
  { files: VSCODE_SKIN, rules: { 'no-restricted-imports': restricted(false, [], false) } },
  { files: VSCODE_SKIN.filter((f) => f.startsWith('src/')), ignores: TESTS, rules: { 'no-restricted-imports': restricted(false, []) } },
  ...LAYERS.flatMap((l) => [
    { files: l.files, ignores: TESTS, rules: { 'no-restricted-imports': restricted(true, l.patterns) } },
    {
      files: VSCODE_SKIN.filter((f) => f.startsWith(`${l.files[0].slice(0, -'**/*.ts'.length)}`) || f.startsWith('src/**/')).map((f) =>
        f.replace(/^src\/\*\*\//, l.files[0].slice(0, -'*.ts'.length)),
      ),
      ignores: TESTS,
      rules: { 'no-restricted-imports': restricted(false, l.patterns) },
    },
  ]),
  {
    files: [HTTP_STACK],
    rules: { 'no-restricted-imports': restricted(true, LAYERS.find((l) => l.files[0] === 'src/cluster/**/*.ts')?.patterns ?? [], false) },
  },
);
