import { DASHBOARD_ROUTES } from './dashboard.static';

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
