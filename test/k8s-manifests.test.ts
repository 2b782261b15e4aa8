/**
 * The Kubernetes manifests in docs/deployment.md, as a user would apply them: every YAML
 * block validated against the Kubernetes OpenAPI schemas (the kubernetes-models package,
 * generated from them), and the label keys they schedule on checked against what the NFD
 * output really writes.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import { Pod } from 'kubernetes-models/v1/Pod';
import { parse } from 'yaml';
import { renderNfd } from '../src/render/nfd.js';
import { repoRoot } from './support/paths.js';
import { gpuReport, listReport } from './support/report-fixtures.js';

const deployment = readFileSync(join(repoRoot, 'docs', 'deployment.md'), 'utf8');
const yamlBlocks = [...deployment.matchAll(/```yaml\n([\s\S]*?)```/g)].map(
  (match) => parse(match[1]!) as Record<string, unknown>,
);

/** The Kubernetes objects among the blocks, and the Pod-spec fragments (affinity). */
const objects = yamlBlocks.filter((block) => 'apiVersion' in block && 'kind' in block);
const affinities = yamlBlocks.filter((block) => 'affinity' in block);

function validate(object: Record<string, unknown>): void {
  const key = `${String(object['apiVersion'])}/${String(object['kind'])}`;
  switch (key) {
    case 'apps/v1/DaemonSet':
      new DaemonSet(object as ConstructorParameters<typeof DaemonSet>[0]).validate();
      return;
    case 'v1/Pod':
      new Pod(object as ConstructorParameters<typeof Pod>[0]).validate();
      return;
    default:
      assert.fail(`docs/deployment.md has a ${key}, which this test does not know how to validate`);
  }
}

/** The fragment as the pod spec of a minimal Pod, as a user would paste it. */
function podWith(fragment: Record<string, unknown>): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'rdma-job' },
    spec: { containers: [{ name: 'job', image: 'registry.example.com/job:1' }], ...fragment },
  };
}

test('every Kubernetes manifest in docs/deployment.md is valid against the OpenAPI schemas', () => {
  assert.ok(objects.length >= 1 && affinities.length >= 1, 'the docs lost their manifests');
  for (const object of objects) validate(object);
  for (const fragment of affinities) validate(podWith(fragment));
});

test('the schema check can fail: a broken DaemonSet is rejected', () => {
  const daemonSet = structuredClone(objects[0]!) as {
    spec: { template: { spec: { containers: Record<string, unknown>[]; tolerations: unknown[] } } };
  };
  const broken = structuredClone(daemonSet);
  delete broken.spec.template.spec.containers[0]!['name'];
  assert.throws(() => validate(broken as unknown as Record<string, unknown>), /name/);
  const badToleration = structuredClone(daemonSet);
  badToleration.spec.template.spec.tolerations = [{ key: 7 }];
  assert.throws(() => validate(badToleration as unknown as Record<string, unknown>), /key/);
});

test('the DaemonSet runs on tainted GPU nodes, with memory for the measured peak, reading every GPU', () => {
  const daemonSet = objects.find((object) => object['kind'] === 'DaemonSet') as {
    spec: {
      template: {
        spec: {
          tolerations: { key: string; operator: string }[];
          containers: {
            args: string[];
            env: { name: string; value: string }[];
            resources: { requests: { memory: string }; limits: { memory: string } };
            volumeMounts: { mountPath: string }[];
          }[];
        };
      };
    };
  };
  const pod = daemonSet.spec.template.spec;
  assert.ok(pod.tolerations.some((t) => t.key === 'nvidia.com/gpu' && t.operator === 'Exists'));
  const container = pod.containers[0]!;
  const mebibytes = (quantity: string) => Number(/^(\d+)Mi$/.exec(quantity)?.[1] ?? NaN);
  // Peak RSS of `list` is about 105 MiB on the H100 and H200 (README, Performance).
  assert.ok(mebibytes(container.resources.requests.memory) >= 110, 'request below the peak');
  assert.ok(mebibytes(container.resources.limits.memory) >= 2 * 110, 'limit too tight');
  assert.ok(!('nvidia.com/gpu' in (container.resources.requests as object)), 'takes a GPU away');
  assert.ok(container.env.some((e) => e.name === 'NVIDIA_VISIBLE_DEVICES' && e.value === 'all'));
  assert.ok(
    container.volumeMounts.some((m) => m.mountPath === '/var/run/nvidia-container-devices/all'),
  );
  assert.match(container.args.join('\n'), /--format nfd .*\n?.*--output \/features\.d\/rdma-probe/);
});

test('the affinity in the docs schedules on label keys the NFD output really writes', () => {
  const written = renderNfd(listReport([gpuReport({ index: 0 })]), { expiresAt: new Date(0) });
  const keys = new Set(written.split('\n').map((line) => line.split('=')[0]));
  for (const fragment of affinities) {
    const terms = (
      fragment['affinity'] as {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: { matchExpressions: { key: string }[] }[];
          };
        };
      }
    ).nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
    for (const { key } of terms.flatMap((term) => term.matchExpressions)) {
      assert.ok(keys.has(key), `${key} is not a label rdma-probe writes`);
    }
  }
});
