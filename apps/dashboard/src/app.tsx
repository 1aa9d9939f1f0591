import type { ComponentChildren } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError, type SessionBody } from '@trainyard/contracts';
import { createApiClient } from './api/api-client';
import { ExperimentFeed, type FeedStatus } from './api/experiment-feed';
import { clearToken, loadToken, saveToken } from './api/token-store';
import { ComparePage } from './pages/compare.page';
import { QueuePage } from './pages/queue.page';
import { RunPage } from './pages/run.page';
import { RunsPage } from './pages/runs.page';
import { SignInPage } from './pages/sign-in.page';
import { SubmitPage } from './pages/submit.page';
import { onLinkClick, useRoute, type Route } from './router';
import { SessionContext, type Session } from './session';

export function App() {
  const [token, setToken] = useState(loadToken);
  const [me, setMe] = useState<SessionBody | null>(null);
  const [error, setError] = useState<string | null>(null);

  const signOut = () => {
    clearToken();
    setToken(null);
    setMe(null);
  };
  const api = useMemo(() => (token ? createApiClient(token, signOut) : null), [token]);

  useEffect(() => {
    if (!api) return;
    let live = true;
    api.me().then(
      (who) => live && setMe(who),
      (err: unknown) => {
        if (!live) return;
        if (err instanceof ApiError && err.status === 401) setError('That token is not on the class roster.');
        else setError(`Cannot reach the API: ${(err as Error).message}`);
        if (err instanceof ApiError && err.status === 401) signOut();
      },
    );
    return () => {
      live = false;
    };
  }, [api]);

  const feed = useMemo(() => (token && me ? new ExperimentFeed(token) : null), [token, me]);
  useEffect(() => () => feed?.close(), [feed]);

  if (!token || !api) {
    return (
      <SignInPage
        error={error}
        onSignIn={(t) => {
          setError(null);
          saveToken(t);
          setToken(t);
        }}
      />
    );
  }
  if (!me || !feed) {
    return <div class="loading-screen">{error ?? 'Signing in…'}</div>;
  }
  const session: Session = { me, api, feed, signOut };
  return (
    <SessionContext.Provider value={session}>
      <Shell />
    </SessionContext.Provider>
  );
}

function Shell() {
  const route = useRoute();
  return (
    <SessionContext.Consumer>
      {(session) => (
        <div class="shell" onClick={onLinkClick}>
          <header class="topbar">
            <a class="brand" href="/">
              Trainyard
            </a>
            <nav>
              <NavLink href="/" active={route.name === 'runs' || route.name === 'run'}>
                My runs
              </NavLink>
              <NavLink href="/submit" active={route.name === 'submit'}>
                Submit
              </NavLink>
              <NavLink href="/compare" active={route.name === 'compare'}>
                Compare
              </NavLink>
              {session!.me.role === 'admin' && (
                <NavLink href="/queue" active={route.name === 'queue'}>
                  Queue
                </NavLink>
              )}
            </nav>
            <div class="topbar-right">
              <FeedPill feed={session!.feed} />
              <span class="who" data-testid="who">
                {session!.me.name} <span class="role">{session!.me.role}</span>
              </span>
              <button class="link-button" onClick={session!.signOut}>
                Sign out
              </button>
            </div>
          </header>
          <main class="page">{page(route)}</main>
        </div>
      )}
    </SessionContext.Consumer>
  );
}

function page(route: Route) {
  switch (route.name) {
    case 'runs':
      return <RunsPage />;
    case 'submit':
      return <SubmitPage />;
    case 'run':
      return <RunPage key={route.id} id={route.id} />;
    case 'compare':
      return <ComparePage ids={route.ids} />;
    case 'queue':
      return <QueuePage />;
    default:
      return (
        <section class="card empty">
          <h1>Page not found</h1>
          <p>
            <a href="/">Back to your runs</a>
          </p>
        </section>
      );
  }
}

function NavLink(props: { href: string; active: boolean; children: ComponentChildren }) {
  return (
    <a href={props.href} class={props.active ? 'active' : undefined} aria-current={props.active ? 'page' : undefined}>
      {props.children}
    </a>
  );
}

const FEED_TEXT: Record<FeedStatus, string> = {
  connecting: 'connecting…',
  live: 'live',
  reconnecting: 'reconnecting…',
  unauthorized: 'live updates refused',
};

function FeedPill({ feed }: { feed: ExperimentFeed }) {
  const [status, setStatus] = useState<FeedStatus>(feed.status);
  useEffect(() => feed.onStatus(setStatus), [feed]);
  return (
    <span class={`feed-pill feed-${status}`} data-testid="feed-status" title="Live updates over socket.io">
      {FEED_TEXT[status]}
    </span>
  );
}
