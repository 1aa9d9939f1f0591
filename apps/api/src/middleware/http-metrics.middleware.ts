import type { MetricsService } from '../services/metrics.service';

interface Req {
  method: string;
  baseUrl?: string;
  route?: { path?: string };
}
interface Res {
  statusCode: number;
  on(event: 'finish', fn: () => void): void;
}

/** Counts every answered request by route pattern (not raw URL: ids would explode the label set). */
export function httpMetrics(metrics: MetricsService) {
  return (req: Req, res: Res, next: () => void) => {
    res.on('finish', () => {
      const route = req.route?.path ? `${req.baseUrl ?? ''}${req.route.path}` : res.statusCode === 404 ? '(unmatched)' : '(other)';
      metrics.httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  };
}
