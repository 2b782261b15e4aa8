/**
 * A saved `list --json` document made a list report again, for the renderers. The JSON
 * keeps each note's message only, so the notes are worked out again from the facts the
 * document holds, as `list` works them out (the verdict's from the GPU, the host's and
 * each topology's from the host facts), and must come out as the document has them. A
 * note the facts cannot give again (what a driver did while it was probed) fails here
 * rather than being given a guessed code.
 */
import assert from 'node:assert/strict';
import { largestDeviceLocalHeap } from '../../src/collect.js';
import { assessReadiness, pcieFindings } from '../../src/host/readiness.js';
import type { GpuReport, ListReport, ListReportJson } from '../../src/list-report.js';
import { decideVerdict } from '../../src/probe/verdict.js';

export function reportFromJson(doc: ListReportJson): ListReport {
  const gpus: GpuReport[] = doc.gpus.map((gpu) => {
    const { notes } = decideVerdict(gpu);
    assertSameNotes(notes, gpu.verdict.notes, `GPU ${gpu.index}'s verdict`);
    return { ...gpu, verdict: { ...gpu.verdict, notes } };
  });
  const { hostname: _hostname, gpuTopology, readiness, ...facts } = doc.host;
  const { notes } = assessReadiness(facts);
  assertSameNotes(notes, readiness.notes, 'the host readiness');
  const topologies = gpuTopology.map((topology) => {
    const gpu = gpus.find((candidate) => candidate.index === topology.gpuIndex);
    const found = pcieFindings({
      topology,
      deviceLocalBytes: gpu ? largestDeviceLocalHeap(gpu) : null,
      virtualMachine: facts.virtualization.virtualMachine,
      nvidiaParameters: facts.nvidiaParameters,
    });
    assertSameNotes(found.notes, topology.notes, `GPU ${topology.gpuIndex}'s topology`);
    return { ...topology, notes: found.notes };
  });
  return {
    ...doc,
    host: { ...doc.host, gpuTopology: topologies, readiness: { ...readiness, notes } },
    gpus,
  };
}

function assertSameNotes(notes: { message: string }[], saved: string[], what: string): void {
  assert.deepEqual(
    notes.map((note) => note.message),
    saved,
    `${what}: the notes worked out from the facts differ from the saved ones`,
  );
}
