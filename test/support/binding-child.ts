/**
 * A child process for the binding contract: runs the contract scenarios named on the
 * command line on the koffi binding, with whatever drivers this process's environment gives
 * the loader, and prints what each saw as one JSON array (see binding-scenarios.ts). The
 * loader reads its driver list and the test driver its configuration from the environment,
 * so each configuration needs a process of its own.
 */
import { writeSync } from 'node:fs';
import { loadVulkanBinding } from '../../src/vulkan/ffi.js';
import { attempt, encodeObservation, scenarioNamed } from './binding-scenarios.js';

const observations = process.argv.slice(2).map((name) => {
  const scenario = scenarioNamed(name);
  return attempt(() => scenario.run(loadVulkanBinding(process.env)));
});
writeSync(1, encodeObservation(observations));
