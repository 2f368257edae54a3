// Lint, and the layer rules of DESIGN §1 checked by machine: a wrong import fails `npm run lint`.
import js from '@eslint/js';
import globals from 'globals';
import svelte from 'eslint-plugin-svelte';
import tseslint from 'typescript-eslint';

const NODE_BUILTINS =
  'assert|buffer|child_process|cluster|crypto|dgram|dns|events|fs|fs/promises|http|http2|https|net|os|path|perf_hooks|process|readline|stream|string_decoder|timers|tls|tty|url|util|v8|vm|worker_threads|zlib';

/** Build a no-restricted-imports rule that forbids the given layers (folder names under src-main). */
function forbidLayers(layers, { node = false, electron = true } = {}) {
  const patterns = [];
  if (layers.length > 0) {
    patterns.push({
      regex: `(^|/)(${layers.join('|')})(/|$)`,
      message: 'This import crosses the layer rules of DESIGN §1 (see eslint.config.js).',
    });
  }
  if (!node) {
    patterns.push({
      regex: `^(node:.*|${NODE_BUILTINS})$`,
      message: 'This layer is pure TypeScript: no Node built-ins (DESIGN §1).',
    });
  }
  if (electron) {
    patterns.push({ regex: '^electron(/.*)?$', message: 'Only src-main/app may import Electron.' });
  }
  return ['error', { patterns }];
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'src-renderer/dist/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs.recommended,
  {
    files: ['src-renderer/**/*.svelte', 'src-renderer/**/*.svelte.ts'],
    languageOptions: {
      globals: { ...globals.browser },
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] },
    },
  },
  {
    files: ['src-renderer/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-throw-literal': 'error',
      'import/no-default-export': 'off',
    },
  },
  {
    files: ['src-main/core/**/*.ts'],
    rules: {
      'no-restricted-imports': forbidLayers(['acquisition', 'storage', 'model', 'engine', 'api', 'app', 'server', 'cli']),
      'no-restricted-globals': ['error', ...['process', 'Buffer', 'require', '__dirname', '__filename', 'global'].map((name) => ({
        name,
        message: 'src-main/core is pure TypeScript: no Node globals (DESIGN §1).',
      }))],
    },
  },
  {
    files: ['src-main/storage/**/*.ts'],
    rules: {
      'no-restricted-imports': forbidLayers(['acquisition', 'model', 'engine', 'api', 'app', 'server', 'cli'], { node: true }),
    },
  },
  {
    files: ['src-main/acquisition/**/*.ts', 'src-main/model/**/*.ts'],
    rules: {
      'no-restricted-imports': forbidLayers(['engine', 'api', 'app', 'server', 'cli'], { node: true }),
    },
  },
  {
    // The engine implements the API contract once (STYLE: GitHub Desktop), so it may import
    // api's types and schemas; never a transport.
    files: ['src-main/engine/**/*.ts'],
    rules: { 'no-restricted-imports': forbidLayers(['app', 'server', 'cli'], { node: true }) },
  },
  {
    files: ['src-main/api/**/*.ts'],
    rules: {
      'no-restricted-imports': forbidLayers(['acquisition', 'storage', 'model', 'engine', 'app', 'server', 'cli']),
    },
  },
  {
    files: ['src-main/server/**/*.ts', 'src-main/cli/**/*.ts'],
    rules: { 'no-restricted-imports': forbidLayers(['app'], { node: true }) },
  },
  {
    files: ['src-main/app/**/*.ts'],
    rules: { 'no-restricted-imports': forbidLayers(['server', 'cli'], { node: true, electron: false }) },
  },
  {
    files: ['src-renderer/**/*.ts', 'src-renderer/**/*.svelte'],
    rules: {
      'no-restricted-imports': forbidLayers(['acquisition', 'storage', 'model', 'engine', 'app', 'server', 'cli']),
    },
  },
);
