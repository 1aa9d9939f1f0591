import { useCallback, useEffect, useState } from 'preact/hooks';
import type { ExperimentRecord } from '../api/api-client';
import { useSession } from '../session';

/**
 * GET /api/experiments: the first paint of every run list comes from here, not from the socket.
 * Refreshed every `refreshMs` (runs submitted from the CLI or another tab appear) and on demand.
 */
export function useExperiments(refreshMs = 10_000) {
  const { api } = useSession();
  const [records, setRecords] = useState<ExperimentRecord[]>();
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
  useEffect(() => {
    void reload();
    const timer = setInterval(() => void reload(), refreshMs);
    return () => clearInterval(timer);
  }, [reload, refreshMs]);
  return { records, error, reload };
}
