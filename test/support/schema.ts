/**
 * Validates rdma-probe's JSON against the published schemas (schema/*.schema.json), so a
 * field added to the report without the schema, or the other way round, fails a test.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { repoRoot } from './paths.js';

const REPORT_ID = 'urn:rdma-probe:report';
const FLEET_ID = 'urn:rdma-probe:fleet-report';
const CHECK_ID = 'urn:rdma-probe:check';

const ajv = new Ajv2020({ allErrors: true, strict: true });
// RFC 3339 date-time, as JSON.stringify(new Date()) writes it; no extra package needed.
ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/);
for (const file of ['report.schema.json', 'fleet-report.schema.json', 'check.schema.json']) {
  ajv.addSchema(JSON.parse(readFileSync(join(repoRoot, 'schema', file), 'utf8')));
}

function validator(ref: string): ValidateFunction {
  const validate = ajv.getSchema(ref);
  assert.ok(validate, `schema ${ref} is missing`);
  return validate;
}

function assertValid(validate: ValidateFunction, doc: unknown, what: string): void {
  if (validate(doc)) return;
  const errors = (validate.errors ?? [])
    .slice(0, 10)
    .map((e) => `  ${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`)
    .join('\n');
  assert.fail(`${what} does not match its schema:\n${errors}`);
}

/** A `list --json` document. */
export function assertValidReport(doc: unknown): void {
  assertValid(validator(REPORT_ID), doc, 'report');
}

/** One `list --ndjson` line, parsed. */
export function assertValidReportLine(doc: unknown): void {
  assertValid(validator(`${REPORT_ID}#/$defs/reportLine`), doc, 'NDJSON line');
}

/** A `report --json` document. */
export function assertValidFleetReport(doc: unknown): void {
  assertValid(validator(FLEET_ID), doc, 'fleet report');
}

/** A `check --json` document. */
export function assertValidCheckReport(doc: unknown): void {
  assertValid(validator(CHECK_ID), doc, 'check report');
}
