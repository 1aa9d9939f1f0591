import { useEffect, useState } from 'preact/hooks';
import { runClock, type RunClock } from '../components/chart-data';
import { useSession } from '../session';

/**
 * One run's clock (epoch position → step and seconds), from the same socket subscription as its
 * state: the feed keeps one log per run and calls every watcher, so this costs no second request.
 */
export function useRunClock(id: string | undefined, enabled = true): RunClock | undefined {
  const { feed } = useSession();
  const [clock, setClock] = useState<RunClock>();
  useEffect(() => {
    if (!id || !enabled) return;
    return feed.watch(id, (events) => setClock(runClock(events)));
  }, [feed, id, enabled]);
  return clock;
}
