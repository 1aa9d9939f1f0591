import { ApiError, readErrorBody, type EstimateBody, type ExperimentEvent, type ExperimentView, type HealthBody, type PresetName, type SessionBody } from '@trainyard/contracts';

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
      const { message = `${res.status} ${res.statusText}`, issues } = readErrorBody(data);
      throw new ApiError(res.status, message, issues);
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
    me: () => call<SessionBody>('GET', '/api/me'),
    experiments: () => call<ExperimentView[]>('GET', '/api/experiments'),
    experiment: (id: string) => call<ExperimentView>('GET', exp(id)),
    events: (id: string) => call<ExperimentEvent[]>('GET', `${exp(id)}/events`),
    submit: (request: Record<string, unknown>) => call<ExperimentView>('POST', '/api/experiments', request),
    /** What submitting this request now would meet: its estimated time, the class's time limit, the bounds it breaks. Nothing is queued. */
    estimate: (request: Record<string, unknown>) => call<EstimateBody>('POST', '/api/experiments/estimate', request),
    submitSuite: (name: string, overrides: Record<string, unknown>) =>
      call<{ suite: string; experiments: ExperimentView[] }>('POST', `/api/suites/${encodeURIComponent(name)}`, overrides),
    cancel: (id: string) => call<ExperimentView & { cancel: string }>('POST', `${exp(id)}/cancel`),
    /** Its owner or an admin: the run's tags and/or note (ExperimentAnnotationSchema); 400 names a bad field. */
    annotate: (id: string, annotation: { tags?: string[]; note?: string }) => call<ExperimentView>('PATCH', exp(id), annotation),
    /** Admins: the run starts next. */
    raise: (id: string) => call<ExperimentView>('POST', `${exp(id)}/priority`),
    health: () => call<HealthBody>('GET', '/health'),
    /** model.json as saved (weights beside it), and one weights file: together a loadable model folder. */
    modelJson: (id: string) => call<{ weightsManifest?: { paths: string[] }[] }>('GET', `${exp(id)}/model/model.json`),
    modelFile: (id: string, file: string) => blob(`${exp(id)}/model/${encodeURIComponent(file)}`),
  };
}

export type { PresetName };
