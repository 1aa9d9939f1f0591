import type { ExperimentEvent, ExperimentEventBody } from '@trainyard/contracts';

/** Gives local events the same shape as the server's: id, seq (from 1, by one) and at. */
export function eventStamper(id: string) {
  let seq = 0;
  return (body: ExperimentEventBody): ExperimentEvent => ({ id, seq: ++seq, at: new Date().toISOString(), ...body }) as ExperimentEvent;
}
