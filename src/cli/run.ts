/** The process entry: wires main() to the real process. Nothing else lives here. */
import { main } from './main.js';

// `rdma-probe list --json | head` closes the pipe early: that is the reader's choice, not
// an error worth a stack trace. Output is written only after every Vulkan object is freed.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(process.exitCode ?? 0);
});

// No top-level await: the single binary runs this module as CommonJS.
void main(process.argv, {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  stdin: process.stdin,
}).then((code) => {
  process.exitCode = code;
});
