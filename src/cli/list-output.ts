/**
 * `list`'s output: the chosen format rendered (options.ts checks the choice), and where it
 * goes. Renderers are loaded on demand: each costs startup time that only its own format
 * should pay.
 */
import type { ListReport } from '../list-report.js';
import type { CliIo } from './io.js';
import type { ListFormat } from './options.js';

export interface RenderListOptions {
  color: boolean;
  verbose: boolean;
  /** NFD: labels expire this long after the run. */
  nfdExpiryMs: number;
}

export async function renderList(
  report: ListReport,
  format: ListFormat,
  options: RenderListOptions,
): Promise<string> {
  switch (format) {
    case 'table':
      return (await import('../render/table.js')).renderTable(report, options);
    case 'json':
      return (await import('../render/json.js')).renderJson(report);
    case 'ndjson':
      return (await import('../render/ndjson.js')).renderNdjson(report);
    case 'nfd': {
      const expiresAt = new Date(Date.parse(report.generatedAt) + options.nfdExpiryMs);
      return (await import('../render/nfd.js')).renderNfd(report, { expiresAt });
    }
    case 'prometheus':
      return (await import('../render/prometheus.js')).renderPrometheus(report);
  }
}

/** To --output FILE (atomically; `output` is its name as bytes) or, when null, to stdout. */
export async function deliver(io: CliIo, output: Buffer | null, text: string): Promise<void> {
  if (output === null) {
    io.stdout.write(text);
    return;
  }
  (await import('../output/atomic-write.js')).writeFileAtomic(output, text);
}

/** Refuses a bad --output target (a device, a FIFO, a folder...) before the probe runs. */
export async function checkOutput(output: Buffer | null): Promise<void> {
  if (output !== null) (await import('../output/atomic-write.js')).checkOutputTarget(output);
}
