/** The shells `rdma-probe completion` writes for; apart so the CLI names them without loading the writer. */
export const COMPLETION_SHELLS = ['bash', 'zsh'] as const;
export type CompletionShell = (typeof COMPLETION_SHELLS)[number];
