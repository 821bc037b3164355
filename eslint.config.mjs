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
      'no-restricted-exports': ['error', { restrictDefaultExports: { direct: true, named: true, defaultFrom: true, namedFrom: true, namespaceFrom: true } }],
      'no-restricted-imports': ['error', { paths: [{ name: 'vscode', message: "Only the editor skin (view.ts, commands.ts, panel.ts, diagnostics.ts, statusBar.ts, ...) may import 'vscode'; keep logic in plain Node." }] }],
    },
  },
  {
    files: VSCODE_SKIN,
    rules: { 'no-restricted-imports': 'off' },
  },
);
