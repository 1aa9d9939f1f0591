/** The checkpoint directory holds a checkpoint of another spec, or one this version cannot read: resuming from it would train something else. */
export class CheckpointMismatchError extends Error {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = new.target.name;
  }
}
