/**
 * A process started by `trainyard demo` gets an IPC channel; when the demo dies, even by SIGKILL,
 * the channel closes and this turns that into our own SIGTERM, so the normal clean shutdown runs
 * and no orphaned API or worker keeps a port or a job.
 */
export function exitWithParent(): void {
  if (!process.send) return;
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}
