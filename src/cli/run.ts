/** The process entry: wires main() to the real process. Nothing else lives here. */
import { main } from './main.js';

// No top-level await: the single binary runs this module as CommonJS.
void main(process.argv, {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
}).then((code) => {
  process.exitCode = code;
});
