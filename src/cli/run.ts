/** The process entry: wires main() to the real process. Nothing else lives here. */
import { readArgvBytes } from './argv-bytes.js';
import { readFdChunks } from './fd-input.js';
import { FdOutput } from './fd-output.js';
import { main } from './main.js';

// No top-level await: the single binary runs this module as CommonJS. stdin is a getter:
// only `report -` reads it, and process.stdin (opened only if the descriptor turns out to be
// non-blocking, see fd-input.ts) builds a stream.
void main(process.argv, {
  stdout: new FdOutput(1),
  stderr: new FdOutput(2),
  env: process.env,
  get stdin() {
    return readFdChunks(0, () => process.stdin);
  },
  argvBytes: readArgvBytes,
}).then((code) => {
  // Everything is written (FdOutput writes synchronously) and every Vulkan object freed,
  // so exit now: Node's orderly teardown of an idle process cost 5-6 ms more.
  process.exit(code);
});
