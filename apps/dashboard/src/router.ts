import { useEffect, useState } from 'preact/hooks';
import { EXPERIMENT_ID_SOURCE } from '@trainyard/contracts';

// Five routes and the History API: a router library would be most of this file's size again.
// The API answers index.html for exactly these paths (apps/api/src/middleware/dashboard.static.ts).
export type Route =
  | { name: 'runs' }
  | { name: 'submit' }
  | { name: 'run'; id: string }
  | { name: 'compare'; ids: string[] }
  | { name: 'queue' }
  | { name: 'not-found' };

const RUN_PATH = new RegExp(`^/runs/(${EXPERIMENT_ID_SOURCE})$`);

export function parseRoute(pathname: string, search: string): Route {
  const path = pathname.replace(/\/+$/, '') || '/';
  if (path === '/' || path === '/signin') return { name: 'runs' };
  if (path === '/submit') return { name: 'submit' };
  if (path === '/queue') return { name: 'queue' };
  if (path === '/compare') {
    const ids = (new URLSearchParams(search).get('ids') ?? '').split(',').filter(Boolean);
    return { name: 'compare', ids };
  }
  const run = RUN_PATH.exec(path);
  if (run) return { name: 'run', id: run[1] };
  return { name: 'not-found' };
}

export function navigate(href: string) {
  history.pushState(null, '', href);
  dispatchEvent(new PopStateEvent('popstate'));
  scrollTo(0, 0);
}

export const compareHref = (ids: string[]) => `/compare?ids=${ids.map(encodeURIComponent).join(',')}`;

export function useRoute(): Route {
  const read = () => parseRoute(location.pathname, location.search);
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const onPop = () => setRoute(read());
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);
  return route;
}

/** Client-side navigation for plain left clicks; modified clicks open tabs as usual. */
export function onLinkClick(e: MouseEvent) {
  const a = (e.target as Element).closest('a');
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  if (a.target || a.hasAttribute('download') || a.origin !== location.origin) return;
  e.preventDefault();
  navigate(a.pathname + a.search);
}
