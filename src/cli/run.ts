/** The process entry: wires main() to the real process. Nothing else lives here. */
import { main } from './main.js';

process.exitCode = await main(process.argv, {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
