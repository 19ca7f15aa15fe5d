import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { importDirection } from './eslint/import-direction.js';

const BROWSER_GLOBALS = ['window', 'document', 'fetch', 'EventSource', 'localStorage', 'location', 'confirm', 'performance', 'FormData', 'CSS',
  'AbortSignal', 'DOMException', 'HTMLElement', 'HTMLInputElement', 'HTMLSelectElement', 'HTMLButtonElement', 'HTMLFormElement', 'HTMLTableRowElement',
  'Element', 'Event', 'MessageEvent', 'Response', 'getComputedStyle', 'WebSocket', 'sessionStorage', 'crypto'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'reports/**', '.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', queueMicrotask: 'readonly', URL: 'readonly' } },
    plugins: { mensageiro: { rules: { 'import-direction': importDirection } } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
      'mensageiro/import-direction': 'error',
    },
  },
  {
    // Type-aware rules: a promise nobody awaits or catches loses its error, and an async callback where a void one
    // is expected (a timer, an event listener) turns a rejection into an unhandled one.
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }] },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    // The pages' scripts run in the browser: its globals, and the same promise rules, typed by tsconfig.browser.json.
    files: ['src/**/*.browser.js'],
    languageOptions: {
      globals: Object.fromEntries(BROWSER_GLOBALS.map((name) => [name, 'readonly'])),
      parserOptions: { project: ['./tsconfig.browser.json'], tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
);
