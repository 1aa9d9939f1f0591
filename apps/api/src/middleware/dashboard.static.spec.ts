import { dashboardAnswer, DASHBOARD_ROUTES } from './dashboard.static';

describe('DASHBOARD_ROUTES', () => {
  it('matches the dashboard’s client routes', () => {
    for (const path of ['/', '/signin', '/submit', '/compare', '/queue', '/runs/0b6f-4c1e_9', '/runs/x/']) expect(DASHBOARD_ROUTES.test(path)).toBe(true);
  });

  it('never shadows the API, health, metrics, queue admin, socket.io or static files', () => {
    for (const path of ['/api/experiments', '/api/docs', '/health', '/metrics', '/admin/queues', '/socket.io/', '/assets/index.js', '/runs/a/b', '/runs/' + 'x'.repeat(65)]) {
      expect(DASHBOARD_ROUTES.test(path)).toBe(false);
    }
  });
});

describe('dashboardAnswer', () => {
  const html = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
  it('answers index.html for client routes, and the dashboard’s not-found page for other pages a browser opens', () => {
    expect(dashboardAnswer('GET', '/compare', html)).toBe('index');
    expect(dashboardAnswer('GET', '/runs/abc', '*/*')).toBe('index');
    for (const path of ['/nope', '/runs/a/b', '/queue/x', '/apiary', '/healthy']) expect(dashboardAnswer('GET', path, html)).toBe('not-found');
    expect(dashboardAnswer('HEAD', '/nope', html)).toBe('not-found');
  });

  it('leaves the API’s own 404s (JSON) alone: its paths, non-HTML clients and other methods', () => {
    for (const path of ['/api/nope', '/api', '/health/x', '/metrics/x', '/admin/nope', '/socket.io/x', '/assets/missing.js']) {
      expect(dashboardAnswer('GET', path, html)).toBe('pass');
    }
    expect(dashboardAnswer('GET', '/nope', 'application/json')).toBe('pass');
    expect(dashboardAnswer('GET', '/nope')).toBe('pass');
    expect(dashboardAnswer('POST', '/nope', html)).toBe('pass');
  });
});
