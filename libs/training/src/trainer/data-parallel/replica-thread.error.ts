/**
 * A data-parallel replica thread threw, or exited while the run still needed it. The run fails
 * with it (not retried as the spec's fault: a thread's crash says nothing about the spec), after
 * every thread has been terminated.
 */
export class ReplicaThreadError extends Error {
  constructor(
    readonly replica: number,
    readonly threads: number,
    why: string,
  ) {
    super(`data-parallel training thread ${replica} of ${threads} failed: ${why}`);
    this.name = new.target.name;
  }
}
