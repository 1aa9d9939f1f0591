import type { ExperimentEvent, ExperimentView, PresetName } from '@trainyard/contracts';

/** GET /api/experiments and /api/experiments/:id: the contract's view of a run. */
export type ExperimentRecord = ExperimentView;

export interface Me {
  name: string;
  role: 'student' | 'admin';
}

export interface Health {
  status: 'ok' | 'degraded' | 'error';
  redis: { ok: boolean; latencyMs?: number; error?: string };
  workers: { count: number; names: string[] };
}

export interface Issue {
  path: string;
  message: string;
}

/** An HTTP error with the API's message and, on a 400, the offending fields. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly issues: Issue[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export type ApiClient = ReturnType<typeof createApiClient>;

/** Same-origin calls with the Bearer token; `onUnauthorized` signs out when the token stops working. */
export function createApiClient(token: string, onUnauthorized: () => void = () => {}) {
  async function call<T>(method: 'GET' | 'POST' | 'PATCH', path: string, body?: unknown): Promise<T> {
    const res = await fetch(path, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let data: unknown = undefined;
    try {
      data = text ? JSON.parse(text) : undefined;
    } catch {
      data = text;
    }
    if (!res.ok) {
      if (res.status === 401) onUnauthorized();
      const err = (data ?? {}) as { message?: string | string[]; issues?: Issue[] };
      const message = Array.isArray(err.message) ? err.message.join('; ') : (err.message ?? `${res.status} ${res.statusText}`);
      throw new ApiError(res.status, message, err.issues ?? []);
    }
    return data as T;
  }
  async function blob(path: string): Promise<Blob> {
    const res = await fetch(path, { headers: { Authorization: `Bearer ${token}` } });
    if (!res.ok) throw new ApiError(res.status, `${res.status} ${res.statusText}`);
    return res.blob();
  }
  const exp = (id: string) => `/api/experiments/${encodeURIComponent(id)}`;
  return {
    me: () => call<Me>('GET', '/api/me'),
    experiments: () => call<ExperimentRecord[]>('GET', '/api/experiments'),
    experiment: (id: string) => call<ExperimentRecord>('GET', exp(id)),
    events: (id: string) => call<ExperimentEvent[]>('GET', `${exp(id)}/events`),
    submit: (request: Record<string, unknown>) => call<ExperimentRecord>('POST', '/api/experiments', request),
    submitSuite: (name: string, overrides: Record<string, unknown>) =>
      call<{ suite: string; experiments: ExperimentRecord[] }>('POST', `/api/suites/${encodeURIComponent(name)}`, overrides),
    cancel: (id: string) => call<ExperimentRecord & { cancel: string }>('POST', `${exp(id)}/cancel`),
    /** Its owner or an admin: the run's tags and/or note (ExperimentAnnotationSchema); 400 names a bad field. */
    annotate: (id: string, annotation: { tags?: string[]; note?: string }) => call<ExperimentRecord>('PATCH', exp(id), annotation),
    /** Admins: the run starts next. */
    raise: (id: string) => call<ExperimentRecord>('POST', `${exp(id)}/priority`),
    health: () => call<Health>('GET', '/health'),
    /** model.json as saved (weights beside it), and one weights file: together a loadable model folder. */
    modelJson: (id: string) => call<{ weightsManifest?: { paths: string[] }[] }>('GET', `${exp(id)}/model/model.json`),
    modelFile: (id: string, file: string) => blob(`${exp(id)}/model/${encodeURIComponent(file)}`),
  };
}

export type { PresetName };
