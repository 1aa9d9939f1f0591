// helmet's security headers on every response of the real API app, and the Content-Security-Policy
// chosen per path: strict for the dashboard and the JSON API, a little wider for Swagger UI and
// bull-board. That the pages still work under them is checked in Chromium (test/browser).
import request from 'supertest';
import { auth, useHarness } from '../apps/api/testing/api-harness';

jest.setTimeout(60_000);

const h = useHarness();

const http = () => request(h.api.url);

/** The policy as directive → sources. */
function policy(header: string | undefined): Map<string, string[]> {
  expect(header).toBeDefined();
  return new Map(
    header!
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...sources]) => [name, sources]),
  );
}

describe('security headers', () => {
  it.each([
    ['the dashboard', '/', {}],
    ['a client route', '/runs/abc', {}],
    ['a JSON error', '/api/experiments', {}],
    ['a JSON answer', '/api/presets', auth('alice')],
    ['health', '/health', {}],
  ])('%s (%s) gets the strict policy: only its own scripts, styles and API', async (_, path, headers) => {
    const res = await http().get(path).set(headers);
    const csp = policy(res.headers['content-security-policy']);
    const host = new URL(h.api.url).host;
    expect(csp.get('default-src')).toEqual(["'self'"]);
    expect(csp.get('script-src')).toEqual(["'self'"]);
    expect(csp.get('script-src-attr')).toEqual(["'none'"]);
    expect(csp.get('style-src')).toEqual(["'self'"]);
    expect(csp.get('img-src')).toEqual(["'self'", 'data:']);
    expect(csp.get('connect-src')).toEqual(["'self'", `ws://${host}`, `wss://${host}`]);
    expect(csp.get('object-src')).toEqual(["'none'"]);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
    // A class server on plain HTTP would break if its assets were upgraded to HTTPS.
    expect(csp.has('upgrade-insecure-requests')).toBe(false);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('Swagger UI (/api/docs) may use its inline styles, and still only its own scripts', async () => {
    const res = await http().get('/api/docs');
    expect(res.status).toBe(200);
    const csp = policy(res.headers['content-security-policy']);
    expect(csp.get('script-src')).toEqual(["'self'"]);
    expect(csp.get('style-src')).toEqual(["'self'", "'unsafe-inline'"]);
  });

  it('bull-board (/admin/queues) may use its inline styles and its web font, and still only its own scripts', async () => {
    const res = await http().get('/admin/queues').set(auth('admin'));
    expect(res.status).toBe(200);
    const csp = policy(res.headers['content-security-policy']);
    expect(csp.get('script-src')).toEqual(["'self'"]);
    expect(csp.get('style-src')).toEqual(["'self'", "'unsafe-inline'", 'https://fonts.googleapis.com']);
    expect(csp.get('font-src')).toEqual(["'self'", 'data:', 'https://fonts.gstatic.com']);
  });

  it('a forged Host header cannot add a directive to the policy', async () => {
    const res = await http().get('/').set('Host', "evil.example; script-src * 'unsafe-inline'");
    const csp = policy(res.headers['content-security-policy']);
    expect(csp.get('script-src')).toEqual(["'self'"]);
    expect(csp.get('connect-src')).toEqual(["'self'", "'self'"]);
    expect(res.headers['content-security-policy']).not.toContain('evil');
  });
});
