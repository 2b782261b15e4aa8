#!/usr/bin/env node
// Writes man/rdma-probe.1 from the commander program (run `npm run build` first). The
// page is checked in and shipped with the npm package and beside the release binaries;
// a test regenerates it and fails on any difference, so it cannot drift from --help.
//
//   node scripts/build-man.mjs [--check]     --check: exit 1 when the file is out of date
import { readFileSync, writeFileSync } from 'node:fs';
import { describeCli } from '../dist/src/cli/main.js';
import { MAN_PAGE_SEE_ALSO, renderManPage } from '../dist/src/cli/man-page.js';

const target = new URL('../man/rdma-probe.1', import.meta.url);
const page = renderManPage(await describeCli(), MAN_PAGE_SEE_ALSO);
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    // missing: out of date
  }
  if (current !== page) {
    console.error('man/rdma-probe.1 is out of date: run npm run build && npm run build:man');
    process.exit(1);
  }
} else {
  writeFileSync(target, page);
}
