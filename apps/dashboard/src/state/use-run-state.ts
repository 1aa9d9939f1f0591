import { useEffect, useState } from 'preact/hooks';
import { useSession } from '../session';
import { foldEvents, type RunState } from './run-state';

/** The live state of one experiment from the socket (history on subscribe, then live events). */
export function useRunState(id: string | undefined, enabled = true): { state?: RunState; error?: string } {
  const { feed } = useSession();
  const [state, setState] = useState<RunState>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    if (!id || !enabled) return;
    return feed.watch(
      id,
      (events) => setState(foldEvents(events)),
      (err) => setError(err),
    );
  }, [feed, id, enabled]);
  return { state, error };
}
