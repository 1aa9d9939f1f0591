import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { SessionBody } from '@trainyard/contracts';
import type { ApiClient } from './api/api-client';
import type { ExperimentFeed } from './api/experiment-feed';

export interface Session {
  me: SessionBody;
  api: ApiClient;
  feed: ExperimentFeed;
  signOut(): void;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in page');
  return session;
}
