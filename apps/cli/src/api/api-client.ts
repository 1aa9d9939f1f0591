import { ApiError, readErrorBody, type ExperimentEvent, type ExperimentView, type Role } from '@trainyard/contracts';

export interface RosterEntry {
  name: string;
  role: Role;
  active: boolean;
  source: 'file' | 'api';
  updatedAt?: string;
  revokedAt?: string;
}

/** The HTTP side of the public contract, as the CLI, scripts and the demo use it. */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    readonly token: string,
  ) {}

  /** The response of one request, any status; ApiError(0) when the API cannot be reached. */
  private async send(method: string, path: string, body?: unknown): Promise<Response> {
    try {
      return await fetch(new URL(path, this.baseUrl), {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw new ApiError(0, `cannot reach the Trainyard API at ${this.baseUrl} (${(err as Error).message}); set --api or TRAINYARD_API`);
    }
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.send(method, path, body);
    const text = await res.text();
    const json = text ? safeJson(text) : undefined;
    if (!res.ok) {
      const { message, issues } = readErrorBody(json);
      const hint = res.status === 401 ? ' (check --token or TRAINYARD_TOKEN)' : '';
      // A 4xx's own message says what to change; the bare code is noise beside it. Without one,
      // or on a server failure, the code is what there is to report.
      const text = message && res.status < 500 ? message : `${res.status} ${message ?? res.statusText}`;
      throw new ApiError(res.status, `${text}${hint}`, issues);
    }
    return json as T;
  }

  submit(request: Record<string, unknown>) {
    return this.request<ExperimentView>('POST', '/api/experiments', request);
  }

  submitSuite(name: string, overrides: Record<string, unknown> = {}) {
    return this.request<{ suite: string; experiments: ExperimentView[] }>('POST', `/api/suites/${encodeURIComponent(name)}`, overrides);
  }

  list() {
    return this.request<ExperimentView[]>('GET', '/api/experiments');
  }

  /** Who this token belongs to (`GET /api/me`). */
  me() {
    return this.request<{ name: string; role: Role }>('GET', '/api/me');
  }

  get(id: string) {
    return this.request<ExperimentView>('GET', `/api/experiments/${encodeURIComponent(id)}`);
  }

  events(id: string) {
    return this.request<ExperimentEvent[]>('GET', `/api/experiments/${encodeURIComponent(id)}/events`);
  }

  cancel(id: string) {
    return this.request<ExperimentView & { cancel: string }>('POST', `/api/experiments/${encodeURIComponent(id)}/cancel`);
  }

  /** The trained model's model.json as saved (TF.js layers format); 404 when there is none. */
  modelJson(id: string) {
    return this.request<{ weightsManifest?: { paths: string[] }[] }>('GET', `/api/experiments/${encodeURIComponent(id)}/model/model.json`);
  }

  /** One weights file of the model, as a streaming response (checked: 2xx). */
  async modelFile(id: string, file: string): Promise<Response> {
    const res = await this.send('GET', `/api/experiments/${encodeURIComponent(id)}/model/${encodeURIComponent(file)}`);
    if (!res.ok) throw new ApiError(res.status, `${res.status} ${res.statusText}: model file ${file} of ${id}`);
    return res;
  }

  raise(id: string) {
    return this.request<ExperimentView>('POST', `/api/experiments/${encodeURIComponent(id)}/priority`);
  }

  // The roster, for admins.
  roster() {
    return this.request<RosterEntry[]>('GET', '/api/admin/roster');
  }

  addUser(name: string, role: Role) {
    return this.request<{ name: string; role: string; token: string }>('POST', '/api/admin/roster', { name, role });
  }

  rotate(name: string) {
    return this.request<{ name: string; role: string; token: string }>('POST', `/api/admin/roster/${encodeURIComponent(name)}/rotate`);
  }

  revoke(name: string) {
    return this.request<{ name: string; role: string; revoked: true }>('POST', `/api/admin/roster/${encodeURIComponent(name)}/revoke`);
  }
}

function safeJson(text: string): Record<string, any> | undefined {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
