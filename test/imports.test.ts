/**
 * The layers of src/ import in one direction only, and no module imports itself back
 * through others. The graph is read from the sources with the TypeScript parser: static
 * imports and re-exports (type-only ones too: a cycle of types is still a knot to untie),
 * dynamic import() calls and import('...') types.
 *
 * Lower layers first; a module may import its own layer and the ones below it:
 *   0 base    errors.ts, clock.ts, version.ts, file-kind.ts, pci-address.ts,
 *             list-report.ts (the list report's types), list-report-json.ts (the report
 *             as its JSON has it), gpu-view.ts (a GPU joined with its host facts)
 *   1 vulkan  the only koffi user; beside it native and output, leaves only cli may use
 *   2 domain  probe (asks Vulkan), fleet (reads reports back) and check (judges one):
 *             beside each other, since render shows what fleet and check produce
 *     host    procfs and sysfs, beside the domain and apart from it: the probe never
 *             reads the host, and the rest read host facts through the report
 *   3 collect collect.ts, the list report from the probe and the host; for cli only
 *     render  pure functions from report objects to text (beside collect: neither uses
 *             the other)
 *   4 cli     commands, options, exit codes
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix, relative } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';
import { repoRoot } from './support/paths.js';

interface Layer {
  name: string;
  rank: number;
  /** Folders under src/ (ending in /) or single files. */
  members: string[];
  /** When set, the only layers that may import this one (besides itself). */
  usedOnlyBy?: string[];
}

const LAYERS: Layer[] = [
  {
    name: 'base',
    rank: 0,
    members: [
      'errors.ts',
      'clock.ts',
      'version.ts',
      'file-kind.ts',
      'pci-address.ts',
      'list-report.ts',
      'list-report-json.ts',
      'gpu-view.ts',
    ],
  },
  { name: 'vulkan', rank: 1, members: ['vulkan/'] },
  { name: 'native', rank: 1, members: ['native/'], usedOnlyBy: ['cli'] },
  { name: 'output', rank: 1, members: ['output/'], usedOnlyBy: ['cli'] },
  { name: 'domain', rank: 2, members: ['probe/', 'fleet/', 'check/'] },
  { name: 'host', rank: 2, members: ['host/'], usedOnlyBy: ['collect', 'cli'] },
  { name: 'collect', rank: 3, members: ['collect.ts'], usedOnlyBy: ['cli'] },
  { name: 'render', rank: 3, members: ['render/'] },
  { name: 'cli', rank: 4, members: ['cli/'] },
];

/** An import: `from` and `to` are paths under src/, e.g. 'cli/main.ts'. */
export interface ImportEdge {
  from: string;
  to: string;
}

function layerOf(module: string, layers: Layer[]): Layer | undefined {
  return layers.find((layer) =>
    layer.members.some((member) =>
      member.endsWith('/') ? module.startsWith(member) : module === member,
    ),
  );
}

/** Every module specifier a source file names, static or dynamic. */
function specifiersOf(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      found.push(node.moduleSpecifier.text);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      found.push(node.arguments[0].text);
    } else if (
      ts.isImportTypeNode(node) &&
      ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    ) {
      found.push(node.argument.literal.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function listSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return listSources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The import graph of src/: only imports of other modules under src/. */
function readImportGraph(srcDir: string): { modules: string[]; edges: ImportEdge[] } {
  const files = listSources(srcDir);
  const modules = files.map((file) => relative(srcDir, file).split('\\').join('/')).sort();
  const edges: ImportEdge[] = [];
  for (const file of files) {
    const from = relative(srcDir, file).split('\\').join('/');
    for (const specifier of specifiersOf(file, readFileSync(file, 'utf8'))) {
      if (!specifier.startsWith('.')) continue;
      const to = posix
        .normalize(posix.join(posix.dirname(from), specifier))
        .replace(/\.js$/, '.ts');
      if (to.startsWith('../')) continue; // package.json, for the version
      edges.push({ from, to });
    }
  }
  return { modules, edges };
}

/**
 * One line per import that goes up a layer or across to another of the same rank, or into
 * a leaf from a layer it is not for.
 */
export function layerViolations(edges: ImportEdge[], layers: Layer[]): string[] {
  const problems: string[] = [];
  for (const { from, to } of edges) {
    const source = layerOf(from, layers);
    const target = layerOf(to, layers);
    if (!source || !target || source === target) continue;
    if (target.rank >= source.rank) {
      problems.push(
        `src/${from} imports src/${to}: ${source.name} (layer ${source.rank}) ` +
          `may not import ${target.name} (layer ${target.rank})`,
      );
    } else if (target.usedOnlyBy && !target.usedOnlyBy.includes(source.name)) {
      problems.push(
        `src/${from} imports src/${to}: ${target.name} is for ${target.usedOnlyBy.join(', ')} only`,
      );
    }
  }
  return problems;
}

/** Every cycle found by a depth-first search, each as the path that closes it. */
export function importCycles(edges: ImportEdge[]): string[] {
  const next = new Map<string, string[]>();
  for (const { from, to } of edges) {
    if (!next.has(from)) next.set(from, []);
    if (!next.get(from)!.includes(to)) next.get(from)!.push(to);
  }
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const cycles: string[] = [];
  const visit = (module: string): void => {
    state.set(module, 'open');
    stack.push(module);
    for (const target of [...(next.get(module) ?? [])].sort()) {
      if (state.get(target) === 'open') {
        const loop = [...stack.slice(stack.indexOf(target)), target];
        cycles.push(loop.map((m) => `src/${m}`).join(' -> '));
      } else if (!state.has(target)) {
        visit(target);
      }
    }
    stack.pop();
    state.set(module, 'done');
  };
  for (const module of [...next.keys()].sort()) if (!state.has(module)) visit(module);
  return cycles;
}

const graph = readImportGraph(join(repoRoot, 'src'));

test('the import graph is read: static, type-only and dynamic imports', () => {
  const has = (from: string, to: string) =>
    graph.edges.some((edge) => edge.from === from && edge.to === to);
  assert.ok(has('cli/run.ts', 'cli/main.ts'), 'a static import');
  assert.ok(has('cli/fd-output.ts', 'cli/io.ts'), 'a type-only import');
  assert.ok(has('cli/list-output.ts', 'render/table.ts'), 'a dynamic import()');
  assert.ok(has('cli/main.ts', 'cli/command-docs.ts'), "an import('...') type or call");
  assert.ok(graph.edges.length > 100, `only ${graph.edges.length} imports found`);
});

test('every module of src/ belongs to a layer', () => {
  const homeless = graph.modules.filter((module) => !layerOf(module, LAYERS));
  assert.deepEqual(homeless, [], 'add these to LAYERS in test/imports.test.ts');
});

test('no import goes up a layer', () => {
  assert.deepEqual(layerViolations(graph.edges, LAYERS), []);
});

test('no import cycle', () => {
  assert.deepEqual(importCycles(graph.edges), []);
});

test('the checks name the offending edge', () => {
  const edges: ImportEdge[] = [
    { from: 'errors.ts', to: 'vulkan/constants.ts' },
    { from: 'render/table.ts', to: 'output/atomic-write.ts' },
    { from: 'probe/probe.ts', to: 'host/read-host.ts' },
    { from: 'render/host-table.ts', to: 'host/readiness.ts' },
    { from: 'collect.ts', to: 'host/read-host.ts' },
    { from: 'check/judge.ts', to: 'probe/select.ts' },
    { from: 'cli/main.ts', to: 'cli/list-output.ts' },
    { from: 'cli/list-output.ts', to: 'cli/main.ts' },
  ];
  assert.deepEqual(layerViolations(edges, LAYERS), [
    'src/errors.ts imports src/vulkan/constants.ts: base (layer 0) may not import vulkan (layer 1)',
    'src/render/table.ts imports src/output/atomic-write.ts: output is for cli only',
    'src/probe/probe.ts imports src/host/read-host.ts: domain (layer 2) may not import host (layer 2)',
    'src/render/host-table.ts imports src/host/readiness.ts: host is for collect, cli only',
  ]);
  assert.deepEqual(importCycles(edges), [
    'src/cli/list-output.ts -> src/cli/main.ts -> src/cli/list-output.ts',
  ]);
});
