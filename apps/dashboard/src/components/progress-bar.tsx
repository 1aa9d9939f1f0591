import type { RunProgress } from '../state/run-state';
import { num, rate } from '../format';

/** One run's progress: the bar over the whole run, and the numbers the course prints per log line. */
export function ProgressBar({ progress, compact }: { progress?: RunProgress; compact?: boolean }) {
  const value = Math.round((progress?.fraction ?? 0) * 1000) / 10;
  return (
    <div class={`progress ${compact ? 'progress-compact' : ''}`} data-testid="progress">
      <div class="progress-track" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={value} data-value={value}>
        <div class="progress-fill" style={{ width: `${value}%` }} />
      </div>
      {progress ? (
        <div class="progress-text">
          <span>
            epoch {progress.epoch}/{progress.epochs}
          </span>
          <span>
            batch {progress.batch}/{progress.batches}
          </span>
          <span>loss {num(progress.loss)}</span>
          <span>{rate(progress.samplesPerSec)}</span>
        </div>
      ) : (
        <div class="progress-text muted">waiting for the first batch…</div>
      )}
    </div>
  );
}
