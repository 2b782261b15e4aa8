/** How a validation-layer message is shown on stderr, by `list` and `check` alike. */
import type { ValidationMessage } from '../list-report.js';
import { terminalSafe } from '../render/terminal-text.js';

/** One stderr line per message; the layer's text quotes driver strings, so it is escaped. */
export function formatValidationMessage(message: ValidationMessage): string {
  const id = message.id ? ` [${terminalSafe(message.id)}]` : '';
  return `rdma-probe: validation ${message.severity}${id}: ${terminalSafe(message.message)}\n`;
}
