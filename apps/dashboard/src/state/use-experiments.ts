import { useCallback, useEffect, useState } from 'preact/hooks';
import type { ExperimentView } from '@trainyard/contracts';
import { useSession } from '../session';
import { listRefreshMs } from './queue-position';

/**
 * GET /api/experiments: the first paint of every run list comes from here, not from the socket.
 * Refreshed every `refreshMs` (runs submitted from the CLI or another tab appear), every
 * QUEUED_REFRESH_MS while one of them is queued, and on demand.
 */
export function useExperiments(refreshMs = 10_000) {
  const { api } = useSession();
  const [records, setRecords] = useState<ExperimentView[]>();
  const [error, setError] = useState<string>();
  const reload = useCallback(
    () =>
      api.experiments().then(
        (list) => {
          setRecords(list);
          setError(undefined);
        },
        (err: Error) => setError(err.message),
      ),
    [api],
  );
  useEffect(() => void reload(), [reload]);
  // Faster while a run waits: its position (the API's) counts down as the runs ahead start.
  const period = listRefreshMs(records, refreshMs);
  useEffect(() => {
    const timer = setInterval(() => void reload(), period);
    return () => clearInterval(timer);
  }, [reload, period]);
  return { records, error, reload };
}
