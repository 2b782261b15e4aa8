// Lint rules, each keeping a layer to its job (README "How it works" has the layers, and
// test/imports.test.ts the direction of their imports):
// - koffi is imported in exactly one module (src/vulkan/ffi.ts, with its layouts), so every
//   other layer works with plain, typed objects;
// - chalk only in src/render: colour is rendering, and only the tables have it;
// - no Node built-ins in src/probe, src/check, src/render and the report model
//   (list-report*.ts, gpu-view.ts, collect.ts): they compute on what they are given (host
//   facts come from src/host, files from src/output and src/fleet);
// - the `process` global only where the process is the point: the entry (src/cli/run.ts),
//   the native module loader (src/native), the clock (src/clock.ts, see why there), the
//   writers of the process's own files and descriptors (src/output, src/cli/fd-output.ts).
//   Everything else is handed its environment and streams (CliIo).
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const KOFFI = { name: 'koffi', message: 'Only src/vulkan/ffi.ts may import koffi.' };
const CHALK = { name: 'chalk', message: 'Colour is rendering: only src/render may import chalk.' };
const PROCESS_MESSAGE =
  'Take it from CliIo (or as a parameter): only src/cli/run.ts and fd-output.ts, src/native, src/output and src/clock.ts use process.';

/**
 * One complete no-restricted-imports (and its dynamic import() twin) for a folder: a later
 * config replaces a rule's options rather than adding to them, so each is built whole.
 */
function restrict({ koffi = true, chalk = true, builtins = false, process = true }) {
  const paths = [];
  const patterns = [];
  const dynamic = [];
  if (koffi) paths.push(KOFFI);
  if (chalk) paths.push(CHALK);
  if (process) {
    for (const name of ['process', 'node:process']) paths.push({ name, message: PROCESS_MESSAGE });
  }
  if (builtins) {
    const message = 'No Node built-ins here: this layer computes on what it is given.';
    for (const name of builtinModules) {
      if (!name.startsWith('_') && name !== 'process') {
        paths.push({ name, message });
      }
    }
    patterns.push({ group: ['node:*'], message });
  }
  const banned = paths
    .map((path) => path.name)
    .filter((name) => name === 'koffi' || name === 'chalk');
  if (banned.length > 0) {
    dynamic.push({
      selector: `ImportExpression[source.value=/^(${banned.join('|')})$/]`,
      message: 'koffi only in src/vulkan/ffi.ts, chalk only in src/render.',
    });
  }
  if (builtins) {
    dynamic.push({
      selector: 'ImportExpression[source.value=/^node:/]',
      message: 'No Node built-ins here.',
    });
  }
  return {
    'no-restricted-imports': ['error', { paths, patterns }],
    'no-restricted-syntax': dynamic.length > 0 ? ['error', ...dynamic] : 'off',
    'no-restricted-globals': process
      ? ['error', { name: 'process', message: PROCESS_MESSAGE }]
      : 'off',
  };
}

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'test/driver/build/', 'reports/', '.stryker-tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      ...restrict({ chalk: false, process: false }),
      '@typescript-eslint/no-unused-vars': [
        'error',
        // Rest siblings: `const { dropped, ...kept } = x` is how a field is left out.
        { argsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  { files: ['src/**/*.ts'], rules: restrict({}) },
  { files: ['src/vulkan/ffi.ts', 'src/vulkan/ffi-types.ts'], rules: restrict({ koffi: false }) },
  { files: ['src/render/**/*.ts'], rules: restrict({ chalk: false, builtins: true }) },
  {
    // The probe, the report model and the judging of it compute on what they are handed.
    files: [
      'src/probe/**/*.ts',
      'src/check/**/*.ts',
      'src/list-report.ts',
      'src/list-report-json.ts',
      'src/gpu-view.ts',
      'src/collect.ts',
    ],
    rules: restrict({ builtins: true }),
  },
  {
    files: [
      'src/cli/run.ts',
      'src/cli/fd-output.ts',
      'src/native/**/*.ts',
      'src/output/**/*.ts',
      'src/clock.ts',
    ],
    rules: restrict({ process: false }),
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        structuredClone: 'readonly',
      },
    },
  },
);
