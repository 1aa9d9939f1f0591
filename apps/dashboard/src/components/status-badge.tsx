import type { ExperimentStatus } from '@trainyard/contracts';

/** `position`: where the run stood in the queue (the `queued` event's, unless a TA's view knows better). */
export function StatusBadge({ status, position, positionNote = 'position in the queue when submitted' }: { status: ExperimentStatus; position?: number; positionNote?: string }) {
  return (
    <span class={`badge badge-${status}`} data-testid="status" title={status === 'queued' && position !== undefined ? positionNote : undefined}>
      {status}
      {status === 'queued' && position !== undefined && <span class="badge-extra"> · #{position} in queue</span>}
    </span>
  );
}
