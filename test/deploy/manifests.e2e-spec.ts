/**
 * deploy/ validated without Docker or a cluster: every file parses, matches its schema (compose-spec,
 * Kubernetes OpenAPI), and agrees with the code (env vars, ports, entry points, mounted paths);
 * the Dockerfiles lint clean. Each check is also fed a broken copy, to show it reports.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { WORKER_STOP_MARGIN_MS, loadConfig } from '@trainyard/config';
import {
  allComposeProblems,
  allK8sProblems,
  customBinaryProblems,
  DEPLOY,
  dockerfileProblems,
  kustomizationProblems,
  loadDeployYaml,
  loadDeployYamlAll,
  nginxProblems,
  readDeploy,
} from './deploy-checks';

const clone = <T>(x: T): T => structuredClone(x);
const K8S_DIR = path.join(DEPLOY, 'k8s');
const k8sFiles = fs.readdirSync(K8S_DIR).filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml');
const k8sObjects = (files = k8sFiles) => files.flatMap((f) => loadDeployYamlAll(`k8s/${f}`).map((o) => ({ ...o, __file: f })));
const API_PORT = loadConfig({}).port;

describe('deploy/compose.yaml', () => {
  const compose = loadDeployYaml('compose.yaml');

  it('matches the compose-spec schema and the code, with nothing to report', () => {
    expect(allComposeProblems(compose)).toEqual([]);
    expect(allComposeProblems({ ...compose, volumes: { ...compose.volumes, ...loadDeployYaml('compose.nfs.yaml').volumes } })).toEqual([]);
  });

  it('has what a class server needs: AOF Redis with a healthcheck and volume, a sticky proxy, a GPU worker per GPU, a CPU profile, the roster secret', () => {
    const { redis, api, proxy } = compose.services;
    expect(redis.command).toEqual(expect.arrayContaining(['--appendonly', 'yes']));
    expect(redis.healthcheck.test.join(' ')).toContain('redis-cli ping');
    expect(redis.volumes).toContain('redis-data:/data');
    expect(api.ports).toBeUndefined(); // the proxy publishes; `--scale api=2` must not clash on a host port
    expect(proxy.volumes[0]).toMatch(/nginx\.conf/);
    const gpuWorkers = Object.entries<any>(compose.services).filter(([, s]) => s.deploy?.resources?.reservations?.devices);
    expect(gpuWorkers.map(([n]) => n)).toEqual(['worker-gpu0', 'worker-gpu1']);
    expect(gpuWorkers.map(([, s]) => s.deploy.resources.reservations.devices[0].device_ids)).toEqual([['0'], ['1']]);
    expect(compose.services['worker-cpu'].profiles).toEqual(['cpu']);
    expect(compose.secrets.roster.file).toBe('./roster.json');
    expect(api.secrets).toEqual([{ source: 'roster', target: 'roster.json' }]);
  });

  it('its proxy is sticky, passes websocket upgrades and points at the API port', () => {
    expect(nginxProblems(readDeploy('nginx/nginx.conf'), API_PORT)).toEqual([]);
  });

  describe('reports a broken copy', () => {
    const broken = (mutate: (doc: any) => void) => {
      const doc = clone(compose);
      mutate(doc);
      return allComposeProblems(doc);
    };
    it('schema violation: an unknown service key', () => {
      expect(broken((d) => (d.services.api.restart_policy = 'always'))).toContainEqual(expect.stringMatching(/compose schema: \/services\/api must NOT have additional properties.*restart_policy/));
    });
    it('schema violation: a bad duration', () => {
      expect(broken((d) => (d.services['worker-gpu0'].stop_grace_period = 'two minutes'))).toContainEqual(expect.stringMatching(/stop_grace_period must match format "duration"/));
    });
    it('an env var the code does not read', () => {
      expect(broken((d) => (d.services['worker-gpu0'].environment.REDIS_HOST = 'redis'))).toContainEqual('compose service worker-gpu0: REDIS_HOST is read neither by libs/config nor by a known third party');
    });
    it('an env value the config schema refuses', () => {
      expect(broken((d) => (d.services['worker-gpu0'].environment.TF_BACKEND = 'cuda'))).toContainEqual(expect.stringMatching(/worker-gpu0: libs\/config refuses its environment: .*TF_BACKEND/));
    });
    it('a port other than the API port', () => {
      expect(broken((d) => (d.services.api.expose = ['8080']))).toContainEqual(`compose service api: expose 8080 is 8080, but the API listens on PORT ${API_PORT}`);
      expect(broken((d) => (d.services.api.environment.PORT = '4000'))).toContainEqual(`compose service api: expose 3000 is 3000, but the API listens on PORT 4000`);
    });
    it('a command that is not a built entry point', () => {
      expect(broken((d) => (d.services.api.command = ['node', 'apps/api/dist/server.js']))).toContainEqual('compose service api: apps/api/dist/server.js has no source apps/api/src/server.ts');
    });
    it('a mount no config path uses, and a worker whose artifacts are not shared', () => {
      const problems = broken((d) => (d.services['worker-cpu'].volumes = ['datasets:/data', 'artifacts:/models']));
      expect(problems).toContainEqual('compose service worker-cpu: /models is mounted, but no config path (TRAINYARD_HOME, DATA_DIR, ARTIFACTS_DIR, CLASS_ROSTER) lies in it');
      expect(problems).toContainEqual('compose service worker-cpu: ARTIFACTS_DIR /artifacts is not on a shared volume');
    });
    it('a roster that is not a secret', () => {
      expect(broken((d) => delete d.services.api.secrets)).toContainEqual('compose service api: CLASS_ROSTER /run/secrets/roster.json is not in a mounted secret');
    });
    it("the host's GPU index in CUDA_VISIBLE_DEVICES (the container sees its GPU as 0)", () => {
      expect(broken((d) => (d.services['worker-gpu1'].environment.CUDA_VISIBLE_DEVICES = '1'))).toContainEqual(
        "compose service worker-gpu1: CUDA_VISIBLE_DEVICES=1 hides the container's only GPU (device 0)",
      );
    });
    it('a worker grace period shorter than its WORKER_SHUTDOWN_GRACE_MS + the hand-back margin (explicit, or the schema default)', () => {
      const tooShort = (grace: number, need: number, shutdownS: number) =>
        `compose service worker-gpu0: grace period ${grace} s < ${need} s (WORKER_SHUTDOWN_GRACE_MS ${shutdownS} s + ${WORKER_STOP_MARGIN_MS / 1000} s to hand the job back): the worker would be killed before its run's checkpoint is written`;
      expect(broken((d) => (d.services['worker-gpu0'].stop_grace_period = '10s'))).toContainEqual(tooShort(10, 120, 90));
      // The run's grace raised, the container's not.
      expect(broken((d) => (d.services['worker-gpu0'].environment.WORKER_SHUTDOWN_GRACE_MS = '200000'))).toContainEqual(tooShort(120, 230, 200));
      // Unset: the default of libs/config's schema applies.
      const defaultS = loadConfig({}).workerShutdownGraceMs / 1000;
      const grace = defaultS + WORKER_STOP_MARGIN_MS / 1000 - 1;
      const unset = broken((d) => {
        delete d.services['worker-gpu0'].environment.WORKER_SHUTDOWN_GRACE_MS;
        d.services['worker-gpu0'].stop_grace_period = `${grace}s`;
      });
      expect(unset).toContainEqual(tooShort(grace, grace + 1, defaultS));
      const enough = broken((d) => {
        delete d.services['worker-gpu0'].environment.WORKER_SHUTDOWN_GRACE_MS;
        d.services['worker-gpu0'].stop_grace_period = `${grace + 1}s`;
      });
      expect(enough).toEqual([]);
    });
    // Mistakes that once slipped past these checks (each found by mutating a manifest), one row each.
    const gpu0 = (d: any) => d.services['worker-gpu0'];
    it.each<[string, (d: any) => void, RegExp]>([
      ['REDIS_URL host that is no Redis', (d) => (d.services.api.environment.REDIS_URL = 'redis://:${REDIS_PASSWORD}@redsi:6379'), /api: REDIS_URL host redsi is no Redis here/],
      ['REDIS_URL without the password Redis requires', (d) => (d.services.api.environment.REDIS_URL = 'redis://redis:6379'), /api: REDIS_URL has no password, but compose service redis requires one/],
      ["REDIS_URL on another port than Redis's", (d) => (gpu0(d).environment.REDIS_URL = '${REDIS_URL:-redis://:${REDIS_PASSWORD}@redis:6380}'), /worker-gpu0: REDIS_URL port 6380, but compose service redis is reached on 6379/],
      ['Redis without a password', (d) => (d.services.redis.command = d.services.redis.command.filter((a: string, i: number, all: string[]) => a !== '--requirepass' && all[i - 1] !== '--requirepass')), /redis: no --requirepass/],
      ['Redis with a default password', (d) => (d.services.redis.command[d.services.redis.command.indexOf('--requirepass') + 1] = '${REDIS_PASSWORD:-change-me}'), /--requirepass .* is not a required variable/],
      ['Redis without AOF', (d) => (d.services.redis.command[d.services.redis.command.indexOf('--appendonly') + 1] = 'no'), /redis: AOF is off/],
      ['Redis without its volume', (d) => delete d.services.redis.volumes, /redis: \/data \(the AOF\) is not on a volume/],
      ['Redis maxmemory over its memory limit', (d) => (d.services.redis.deploy.resources.limits.memory = '1g'), /redis: --maxmemory .* leaves under 20%/],
      ['Redis evicting keys', (d) => (d.services.redis.command[d.services.redis.command.indexOf('--maxmemory-policy') + 1] = 'allkeys-lru'), /redis: --maxmemory-policy is not noeviction/],
      ["proxy publishing a port nginx doesn't listen on", (d) => (d.services.proxy.ports = ['${TRAINYARD_BIND:-0.0.0.0}:${TRAINYARD_PORT:-3000}:80']), /proxy: publishes container port 80, but nginx listens on 8080/],
      ['proxy healthcheck on the wrong port', (d) => (d.services.proxy.healthcheck.test = ['CMD', 'wget', '-q', '-O', '/dev/null', 'http://127.0.0.1:80/proxy-health']), /proxy: healthcheck on port 80/],
      ['nginx.conf mounted where nginx does not read a main config', (d) => (d.services.proxy.volumes = ['./nginx/nginx.conf:/etc/nginx/conf.d/nginx.conf:ro']), /not \/etc\/nginx\/nginx\.conf/],
      ['API renamed away from the upstream nginx names', (d) => {
        d.services.apii = d.services.api;
        delete d.services.api;
        d.services.proxy.depends_on = { apii: { condition: 'service_healthy' } };
      }, /nginx: upstream server api:3000: api is not the API's compose service \(apii\)/],
      ['API healthcheck on a path the API does not serve', (d) => (d.services.api.healthcheck.test[3] = d.services.api.healthcheck.test[3].replace('/health', '/healht')), /api: healthcheck URL path \/healht is no route of the API/],
      ['API publishing a host port (clashes with --scale)', (d) => (d.services.api.ports = ['3000:3000']), /api: the API publishes/],
      ['two workers on one GPU', (d) => (d.services['worker-gpu1'].deploy.resources.reservations.devices[0].device_ids = ['0']), /worker-gpu1: GPU 0 is already reserved by compose service worker-gpu0/],
      ['two workers with one WORKER_NAME', (d) => (d.services['worker-gpu1'].environment.WORKER_NAME = '${MACHINE_NAME:-gpu-server}-gpu0'), /WORKER_NAME gpu-server-1-gpu0 is used by compose service worker-gpu0 and compose service worker-gpu1/],
      ['a GPU worker with no GPU reserved', (d) => delete gpu0(d).deploy, /worker-gpu0: a GPU worker .* with no GPU reserved/],
      ['a GPU worker without its CUDA JIT cache volume', (d) => (gpu0(d).volumes = gpu0(d).volumes.filter((v: string) => !v.startsWith('cuda-cache:'))), /worker-gpu0: CUDA_CACHE_PATH \/var\/cache\/cuda is not on a volume/],
      ['a GPU worker whose CUDA_CACHE_PATH is emptied', (d) => (gpu0(d).environment.CUDA_CACHE_PATH = ''), /worker-gpu0: no CUDA_CACHE_PATH/],
      ['a GPU worker built from the CPU Dockerfile', (d) => (gpu0(d).build.dockerfile = 'deploy/Dockerfile'), /worker-gpu0: a GPU worker not built from deploy\/Dockerfile\.worker-gpu/],
      ['an image name that is not what its Dockerfile builds', (d) => (d.services.api.image = 'trainyrad:latest'), /api: image trainyrad:latest is not trainyard/],
      ['a Trainyard service from an image not built here', (d) => {
        delete d.services['worker-cpu'].build;
        d.services['worker-cpu'].image = 'registry.example.edu/trainyard:latest';
      }, /worker-cpu: image registry\.example\.edu\/trainyard:latest is not built from deploy\/'s Dockerfiles/],
      ['an interpolated variable nobody documents', (d) => (gpu0(d).environment.MAX_RUNNING_PER_STUDENT = '${MAX_RUNING_PER_STUDENT:-2}'), /\$\{MAX_RUNING_PER_STUDENT\} is neither a libs\/config variable nor documented/],
      ["a worker's data and artifacts volumes swapped", (d) => (gpu0(d).volumes = ['artifacts:/data', 'datasets:/artifacts']), /ARTIFACTS_DIR is not one shared store: .*worker-gpu0 on datasets/],
      ['the API on another artifacts volume than the workers', (d) => {
        d.services.api.volumes = ['artifacts-api:/artifacts'];
        d.volumes['artifacts-api'] = null;
      }, /ARTIFACTS_DIR is not one shared store: compose service api on artifacts-api/],
      ['a queue prefix the API and workers do not share', (d) => (gpu0(d).environment.QUEUE_PREFIX = 'ty'), /QUEUE_PREFIX differs/],
      ['a roster file the guide does not create', (d) => (d.secrets.roster.file = './roster.jsn'), /secret roster: file \.\/roster\.jsn is not the one deploy\/README\.md tells to create/],
      ['a worker given the roster secret (worker-only machines have none)', (d) => (gpu0(d).secrets = ['roster']), /worker-gpu0: has secrets; only the API reads the roster/],
      ['an undeclared named volume', (d) => delete d.volumes.artifacts, /volume artifacts is not declared under top-level volumes/],
      ['a worker that does not wait for Redis', (d) => delete gpu0(d).depends_on, /worker-gpu0: does not wait for redis/],
      ['an undocumented profile', (d) => (gpu0(d).profiles = ['gpuu']), /worker-gpu0: profile gpuu is not one deploy\/env\.example documents/],
    ])('%s', (_name, mutate, expected) => {
      expect(broken(mutate)).toContainEqual(expect.stringMatching(expected));
    });
    it('depends_on that does not wait for health', () => {
      expect(broken((d) => (d.services.api.depends_on = ['redis']))).toContainEqual('compose service api: depends_on without condition: service_healthy');
    });
    it('a proxy on the wrong port, not sticky, without upgrade headers', () => {
      const conf = readDeploy('nginx/nginx.conf');
      expect(nginxProblems(conf.replace('server api:3000', 'server api:3001'), API_PORT)).toEqual([`nginx: upstream server api:3001 is not on the API's PORT ${API_PORT}`]);
      expect(nginxProblems(conf.replace('ip_hash;', ''), API_PORT)).toEqual([expect.stringMatching(/not sticky/)]);
      expect(nginxProblems(conf.replace(/proxy_set_header Upgrade[^\n]*\n/, ''), API_PORT)).toEqual(['nginx: websocket upgrade headers are not passed']);
    });
    it.each<[string, (conf: string) => string, RegExp]>([
      ['listening on another port than compose publishes and probes', (c) => c.replace('listen 8080', 'listen 80'), /proxy: publishes container port 8080, but nginx listens on 80/],
      ['an upstream host that is not the API service', (c) => c.replace('server api:3000', 'server apii:3000'), /upstream server apii:3000: apii is not the API's compose service/],
      ['proxy_pass to an upstream that does not exist', (c) => c.replace('proxy_pass http://trainyard_api', 'proxy_pass http://trainyard-api'), /proxy_pass http:\/\/trainyard-api names no upstream/],
      ['no proxy_http_version 1.1', (c) => c.replace(/proxy_http_version 1\.1;/, ''), /no proxy_http_version 1\.1/],
      ['stickiness only in a comment, hashing per request', (c) => c.replace('    ip_hash;', '    # no ip_hash;\n    hash $request_id;'), /not sticky by client/],
      ['a read timeout shorter than the socket.io ping cycle', (c) => c.replace('proxy_read_timeout 3600s', 'proxy_read_timeout 10s'), /proxy_read_timeout 10s must outlast/],
      ['`resolve` without a zone', (c) => c.replace('zone trainyard_api 64k;', ''), /`resolve` needs a `zone`/],
      ['`resolve` without a resolver', (c) => c.replace(/resolver 127[^\n]*\n/, ''), /`resolve` needs a `resolver`/],
      ['the Upgrade header commented out', (c) => c.replace(/proxy_set_header Upgrade \$http_upgrade;/, '# proxy_set_header Upgrade $http_upgrade;'), /websocket upgrade headers are not passed/],
    ])('nginx: %s', (_name, mutate, expected) => {
      expect(nginxProblems(mutate(readDeploy('nginx/nginx.conf')), API_PORT)).toContainEqual(expect.stringMatching(expected));
    });
  });
});

describe('deploy/k8s', () => {
  const objects = k8sObjects();

  it('every object matches the Kubernetes OpenAPI schema and the code, with nothing to report', () => {
    expect(objects.length).toBeGreaterThan(10);
    expect(allK8sProblems(objects)).toEqual([]);
  });

  it('kustomization.yaml lists every manifest but the secrets example', () => {
    const kustomization = loadDeployYaml('k8s/kustomization.yaml');
    expect([...kustomization.resources].sort()).toEqual(k8sFiles.filter((f) => f !== 'secrets.example.yaml').sort());
  });

  it('has what a class deployment needs: API Deployment + Service + HPA, GPU and CPU workers, Redis StatefulSet with AOF, Secret, ConfigMap, PDBs, probes, RWX volumes', () => {
    const kinds = (k: string) => objects.filter((o) => o.kind === k).map((o) => o.metadata.name).sort();
    expect(kinds('Deployment')).toEqual(['trainyard-api', 'trainyard-worker-cpu', 'trainyard-worker-gpu']);
    expect(kinds('HorizontalPodAutoscaler')).toEqual(['trainyard-api']);
    expect(kinds('PodDisruptionBudget')).toEqual(['trainyard-api', 'trainyard-worker-cpu', 'trainyard-worker-gpu']);
    expect(kinds('Secret')).toEqual(['trainyard-redis', 'trainyard-roster']);
    expect(kinds('ConfigMap')).toEqual(['trainyard-settings']);
    const redis = objects.find((o) => o.kind === 'StatefulSet');
    expect(redis.spec.template.spec.containers[0].args).toEqual(expect.arrayContaining(['--appendonly', 'yes']));
    expect(redis.spec.volumeClaimTemplates).toHaveLength(1);
    expect(objects.filter((o) => o.kind === 'PersistentVolumeClaim').map((o) => o.spec.accessModes)).toEqual([['ReadWriteMany'], ['ReadWriteMany']]);
    const api = objects.find((o) => o.metadata.name === 'trainyard-api' && o.kind === 'Deployment').spec.template.spec.containers[0];
    expect(api.readinessProbe.httpGet.path).toBe('/health');
    expect(api.livenessProbe.httpGet.path).toBe('/api/docs/openapi.json');
    expect(objects.find((o) => o.kind === 'Service' && o.metadata.name === 'trainyard-api').spec.sessionAffinity).toBe('ClientIP');
    const gpu = objects.find((o) => o.metadata.name === 'trainyard-worker-gpu' && o.kind === 'Deployment').spec.template.spec;
    expect(gpu.containers[0].resources.limits['nvidia.com/gpu']).toBe(1);
  });

  describe('reports a broken copy', () => {
    const broken = (mutate: (objs: any[]) => void) => {
      const objs = clone(objects);
      mutate(objs);
      return allK8sProblems(objs);
    };
    const find = (objs: any[], kind: string, name: string) => objs.find((o) => o.kind === kind && o.metadata.name === name);
    const apiContainer = (objs: any[]) => find(objs, 'Deployment', 'trainyard-api').spec.template.spec.containers[0];
    const gpuContainer = (objs: any[]) => find(objs, 'Deployment', 'trainyard-worker-gpu').spec.template.spec.containers[0];

    it('schema violation: a string where an integer belongs, a value outside an enum, a missing required field', () => {
      expect(broken((o) => (apiContainer(o).ports[0].containerPort = '3000'))).toContainEqual(expect.stringMatching(/containerPort must be integer/));
      expect(broken((o) => (find(o, 'Service', 'trainyard-api').spec.sessionAffinity = 'Cookie'))).toContainEqual(expect.stringMatching(/sessionAffinity must be equal to one of the allowed values/));
      expect(broken((o) => delete find(o, 'Deployment', 'trainyard-api').spec.selector)).toContainEqual(expect.stringMatching(/spec must have required property selector/));
    });
    it('an object kind with no schema', () => {
      expect(broken((o) => (find(o, 'Deployment', 'trainyard-api').apiVersion = 'apps/v1beta9'))).toContainEqual(expect.stringMatching(/no Kubernetes schema for apiVersion apps\/v1beta9/));
    });
    it('an env var the code does not read, in a container or in the ConfigMap', () => {
      expect(broken((o) => gpuContainer(o).env.push({ name: 'GPU_ID', value: '0' }))).toContainEqual(expect.stringMatching(/trainyard-worker-gpu container worker: GPU_ID is read neither/));
      expect(broken((o) => (find(o, 'ConfigMap', 'trainyard-settings').data.MAX_QUEUED = '5'))).toContainEqual(expect.stringMatching(/trainyard-api container api: MAX_QUEUED is read neither/));
    });
    it('a container port, probe port or Service targetPort other than the API port', () => {
      const problems = broken((o) => (apiContainer(o).ports[0].containerPort = 8080));
      expect(problems).toContainEqual(`Deployment trainyard-api container api: containerPort http is 8080, but the API listens on PORT ${API_PORT}`);
      expect(problems).toContainEqual(`Deployment trainyard-api container api: readinessProbe is 8080, but the API listens on PORT ${API_PORT}`);
      expect(broken((o) => (find(o, 'Service', 'trainyard-api').spec.ports[0].targetPort = 'web'))).toContainEqual('Service trainyard-api: targetPort web is no container port of the pods it selects');
    });
    it('a command that is not a built entry point', () => {
      expect(broken((o) => (gpuContainer(o).command = ['node', 'apps/worker/src/main.ts']))).toContainEqual(expect.stringMatching(/apps\/worker\/src\/main\.ts is not an app's built entry point/));
    });
    it('a mount no config path uses', () => {
      expect(broken((o) => (gpuContainer(o).volumeMounts[1].mountPath = '/models'))).toContainEqual(
        'Deployment trainyard-worker-gpu container worker: /models is mounted, but no config path (TRAINYARD_HOME, DATA_DIR, ARTIFACTS_DIR, CLASS_ROSTER) lies in it',
      );
    });
    it('a GPU worker with two GPUs, or a grace period too short for a checkpoint', () => {
      expect(broken((o) => (gpuContainer(o).resources.limits['nvidia.com/gpu'] = 2))).toContainEqual('Deployment trainyard-worker-gpu container worker: 2 GPUs; one worker per GPU');
      const tooShort = (grace: number, need: number, shutdownS: number) =>
        `Deployment trainyard-worker-gpu container worker: grace period ${grace} s < ${need} s (WORKER_SHUTDOWN_GRACE_MS ${shutdownS} s + ${WORKER_STOP_MARGIN_MS / 1000} s to hand the job back): the worker would be killed before its run's checkpoint is written`;
      expect(broken((o) => (find(o, 'Deployment', 'trainyard-worker-gpu').spec.template.spec.terminationGracePeriodSeconds = 30))).toContainEqual(tooShort(30, 120, 90));
      expect(broken((o) => (gpuContainer(o).env.find((e: any) => e.name === 'WORKER_SHUTDOWN_GRACE_MS').value = '100000'))).toContainEqual(tooShort(120, 130, 100));
    });
    const deploy = (o: any[], name: string) => find(o, 'Deployment', name).spec;
    it.each<[string, (o: any[]) => void, RegExp]>([
      ['a probe path the API does not serve', (o) => (apiContainer(o).readinessProbe.httpGet.path = '/healht'), /readinessProbe path \/healht is no route of the API/],
      ['no readiness probe (or a misspelt one)', (o) => {
        const c = apiContainer(o);
        c.readinesProbe = c.readinessProbe;
        delete c.readinessProbe;
      }, /trainyard-api container api: no readinessProbe/],
      ['no liveness probe', (o) => delete apiContainer(o).livenessProbe, /trainyard-api container api: no livenessProbe/],
      ['a GPU worker without its CUDA JIT cache volume', (o) => (gpuContainer(o).volumeMounts = gpuContainer(o).volumeMounts.filter((m: any) => m.name !== 'cuda-cache')), /trainyard-worker-gpu container worker: CUDA_CACHE_PATH \/var\/cache\/cuda is not on a volume/],
      ['an image that is neither of ours (kustomize images: maps the names)', (o) => (apiContainer(o).image = 'registry.example.edu/trainyard:latest'), /image registry\.example\.edu\/trainyard:latest is not one of trainyard, trainyard-worker-gpu/],
      ['a secretKeyRef to a Secret that does not exist', (o) => (apiContainer(o).env[0].valueFrom.secretKeyRef.name = 'trainyard-redsi'), /REDIS_URL from Secret trainyard-redsi key url, which does not exist/],
      ['a secretKeyRef to a key the Secret lacks', (o) => (gpuContainer(o).env[0].valueFrom.secretKeyRef.key = 'URL'), /REDIS_URL from Secret trainyard-redis key URL, which has no such key/],
      ['a roster volume from a Secret that does not exist', (o) => (deploy(o, 'trainyard-api').template.spec.volumes[1].secret.secretName = 'trainyard-rooster'), /volume roster: no Secret trainyard-rooster/],
      ['a fieldRef path the downward API does not offer', (o) => (gpuContainer(o).env.find((e: any) => e.name === 'WORKER_NAME').valueFrom.fieldRef.fieldPath = 'metadata.nmae'), /WORKER_NAME from fieldRef metadata\.nmae/],
      ['one literal WORKER_NAME for every replica', (o) => (gpuContainer(o).env.find((e: any) => e.name === 'WORKER_NAME').valueFrom = undefined, gpuContainer(o).env.find((e: any) => e.name === 'WORKER_NAME').value = 'gpu'), /WORKER_NAME gpu is the same in every replica/],
      ['REDIS_URL without the password Redis requires', (o) => (apiContainer(o).env[0] = { name: 'REDIS_URL', value: 'redis://redis:6379' }), /REDIS_URL has no password, but Service redis/],
      ["a Redis Service port the URL doesn't use", (o) => (find(o, 'Service', 'redis').spec.ports[0].port = 6380), /REDIS_URL port 6379, but Service redis .* is reached on 6380/],
      ['Redis without a password', (o) => (find(o, 'StatefulSet', 'redis').spec.template.spec.containers[0].args = ['--appendonly', 'yes', '--maxmemory', '1600mb', '--maxmemory-policy', 'noeviction']), /no --requirepass/],
      ['Redis maxmemory over its memory limit', (o) => (find(o, 'StatefulSet', 'redis').spec.template.spec.containers[0].resources.limits.memory = '1Gi'), /--maxmemory 1600mb leaves under 20%/],
      ['a GPU worker with no GPU limit (or a misspelt one)', (o) => {
        const l = gpuContainer(o).resources.limits;
        l['nvidia.com/gpus'] = 1;
        delete l['nvidia.com/gpu'];
      }, /trainyard-worker-gpu container worker: a GPU worker .* with no GPU reserved/],
      ['a ReadWriteOnce claim that several pods mount', (o) => (find(o, 'PersistentVolumeClaim', 'trainyard-artifacts').spec.accessModes = ['ReadWriteOnce']), /PersistentVolumeClaim trainyard-artifacts: mounted by .* not ReadWriteMany/],
      ['the API on the data sets claim instead of the artifacts one', (o) => (deploy(o, 'trainyard-api').template.spec.volumes[0].persistentVolumeClaim.claimName = 'trainyard-datasets'), /ARTIFACTS_DIR is not one shared store: Deployment trainyard-api container api on trainyard-datasets/],
      ["a selector that does not match the template's labels", (o) => (deploy(o, 'trainyard-api').selector.matchLabels.app = 'trainyard-apii'), /Deployment trainyard-api: selector .* does not match its template's labels/],
      ['an HPA on pods without a CPU request', (o) => delete apiContainer(o).resources.requests.cpu, /no CPU request, so HorizontalPodAutoscaler trainyard-api cannot compute/],
      ['replicas on the Deployment the HPA manages', (o) => (deploy(o, 'trainyard-api').replicas = 2), /sets replicas while HorizontalPodAutoscaler trainyard-api manages them/],
      ['a queue prefix the API and workers do not share', (o) => {
        const settings = clone(find(o, 'ConfigMap', 'trainyard-settings'));
        settings.metadata.name = 'worker-settings';
        settings.data.QUEUE_PREFIX = 'ty';
        o.push({ ...settings, __file: 'settings.yaml' });
        gpuContainer(o).envFrom[0].configMapRef.name = 'worker-settings';
      }, /QUEUE_PREFIX differs/],
      ['an object outside the namespace', (o) => (find(o, 'Deployment', 'trainyard-api').metadata.namespace = 'trainyrad'), /Deployment trainyard-api: namespace trainyrad is not trainyard/],
      ['a PDB no drain can satisfy', (o) => (find(o, 'PodDisruptionBudget', 'trainyard-api').spec.minAvailable = 2), /minAvailable 2 with 2 replicas of trainyard-api/],
      ['runAsUser 0 with runAsNonRoot', (o) => (deploy(o, 'trainyard-worker-gpu').template.spec.securityContext.runAsUser = 0), /runAsUser 0 with runAsNonRoot/],
      ['an API Service without ClientIP affinity', (o) => delete find(o, 'Service', 'trainyard-api').spec.sessionAffinity, /Service trainyard-api: no sessionAffinity: ClientIP/],
      ['an Ingress without cookie affinity', (o) => delete find(o, 'Ingress', 'trainyard').metadata.annotations['nginx.ingress.kubernetes.io/affinity'], /Ingress trainyard: no cookie affinity/],
      ['an Ingress timing out sockets', (o) => (find(o, 'Ingress', 'trainyard').metadata.annotations['nginx.ingress.kubernetes.io/proxy-read-timeout'] = '30'), /Ingress trainyard: proxy-read-timeout 30 s/],
      ['an Ingress to a Service that does not exist', (o) => (find(o, 'Ingress', 'trainyard').spec.rules[0].http.paths[0].backend.service.name = 'api'), /Ingress trainyard: backend Service api does not exist/],
    ])('%s', (_name, mutate, expected) => {
      expect(broken(mutate)).toContainEqual(expect.stringMatching(expected));
    });
    it('a kustomization that does not point the images at a registry', () => {
      expect(kustomizationProblems(loadDeployYaml('k8s/kustomization.yaml'))).toEqual([]);
      expect(kustomizationProblems({ ...loadDeployYaml('k8s/kustomization.yaml'), images: [] })).toEqual([
        expect.stringMatching(/no images: entry \(name: trainyard,/),
        expect.stringMatching(/no images: entry \(name: trainyard-worker-gpu,/),
      ]);
    });
    it('a PDB, HPA or volume that points at nothing', () => {
      const problems = broken((o) => {
        find(o, 'PodDisruptionBudget', 'trainyard-api').spec.selector.matchLabels.app = 'api';
        find(o, 'HorizontalPodAutoscaler', 'trainyard-api').spec.scaleTargetRef.name = 'api';
        find(o, 'Deployment', 'trainyard-api').spec.template.spec.volumes[0].persistentVolumeClaim.claimName = 'models';
        find(o, 'StatefulSet', 'redis').spec.volumeClaimTemplates[0].metadata.name = 'redis-data';
      });
      expect(problems).toEqual(
        expect.arrayContaining(['PodDisruptionBudget trainyard-api: selects no workload', 'HorizontalPodAutoscaler trainyard-api: no Deployment api', 'Deployment trainyard-api: no PersistentVolumeClaim models', 'StatefulSet redis: mounts undefined volume data']),
      );
    });
  });
});

describe('deploy/Dockerfile*', () => {
  const dockerfiles = ['Dockerfile', 'Dockerfile.worker-gpu'];

  it.each(dockerfiles)('%s lints clean, sets only known variables and runs a built entry point', (file) => {
    expect(dockerfileProblems(readDeploy(file), file)).toEqual([]);
  });

  it('reports a broken copy: an unknown instruction, a bad EXPOSE, an unknown ENV, a missing entry point', () => {
    const text = readDeploy('Dockerfile');
    expect(dockerfileProblems(text.replace('COPY --from=build', 'COPPY --from=build'), 'Dockerfile')).toContainEqual(expect.stringMatching(/Dockerfile:\d+: Unknown instruction: COPPY/));
    expect(dockerfileProblems(text.replace('EXPOSE 3000', 'EXPOSE http'), 'Dockerfile')).toContainEqual(expect.stringMatching(/Invalid containerPort: http/));
    expect(dockerfileProblems(text.replace('EXPOSE 3000', 'EXPOSE 8080'), 'Dockerfile')).toContainEqual(`Dockerfile: EXPOSE 8080 is not the API's port ${API_PORT}`);
    expect(dockerfileProblems(text.replace('ENV NODE_ENV=production', 'ENV NODE_ENV=production TRAINYARD_PORT=3000'), 'Dockerfile')).toContainEqual(
      'Dockerfile: ENV TRAINYARD_PORT is read neither by libs/config nor by a known third party',
    );
    expect(dockerfileProblems(text.replace('apps/api/dist/main.js', 'apps/api/dist/index.js'), 'Dockerfile')).toContainEqual('Dockerfile CMD: apps/api/dist/index.js has no source apps/api/src/index.ts');
  });

  const df = readDeploy('Dockerfile');
  const gpuDf = readDeploy('Dockerfile.worker-gpu');
  it.each<[string, string, string, RegExp]>([
    ['COPY --from a stage that does not exist', 'Dockerfile', df.replace('COPY --from=build', 'COPY --from=buidl'), /COPY --from=buidl names no earlier stage \(build\)/],
    ['a base image off the allow-list', 'Dockerfile', df.replace('FROM node:20-bookworm-slim\n', 'FROM node:20-bookwrom-slim\n'), /FROM node:20-bookwrom-slim is not an allowed base/],
    ['a CUDA the GPU binding was not built for', 'Dockerfile.worker-gpu', gpuDf.replace('nvidia/cuda:12.5.1-runtime-ubuntu22.04', 'nvidia/cuda:12.4.1-runtime-ubuntu22.04'), /FROM nvidia\/cuda:12\.4\.1.* is not an allowed base/],
    ['the old CUDA 11.2 base', 'Dockerfile.worker-gpu', gpuDf.replace('nvidia/cuda:12.5.1-runtime-ubuntu22.04', 'nvidia/cuda:11.2.2-cudnn8-runtime-ubuntu20.04'), /FROM nvidia\/cuda:11\.2\.2.* is not an allowed base/],
    ['a GPU image that does not record its kernels', 'Dockerfile.worker-gpu', gpuDf.replace(' TF_CUDA_COMPUTE_CAPABILITIES=sm_60,sm_70,sm_80,sm_89,compute_90 TF_CUDA_VERSION=12.5', ''), /records no TF_CUDA_COMPUTE_CAPABILITIES/],
    ['kernel targets the config refuses', 'Dockerfile.worker-gpu', gpuDf.replace('compute_90 TF_CUDA_VERSION', '9.0 TF_CUDA_VERSION'), /libs\/config refuses its ENV: .*TF_CUDA_COMPUTE_CAPABILITIES/],
    ['an unknown CUDA variable', 'Dockerfile.worker-gpu', gpuDf.replace('CUDA_CACHE_MAXSIZE=', 'CUDA_CACHE_MAX_SIZE='), /ENV CUDA_CACHE_MAX_SIZE is read neither/],
    ['an unknown name in an old-style `ENV K V`', 'Dockerfile', df.replace('ENV NODE_ENV=production', 'ENV DATA_DIRR /data\nENV NODE_ENV=production'), /ENV DATA_DIRR is read neither/],
    ['a user other than uid 1000', 'Dockerfile', df.replace('USER node', 'USER nobody'), /runs as nobody, not uid 1000/],
    ['no USER at all (root)', 'Dockerfile', df.replace('USER node\n', ''), /runs as root, not uid 1000/],
    ['a final stage without WORKDIR /app', 'Dockerfile', df.replace(/(FROM node:20-bookworm-slim\n)WORKDIR \/app\n/, '$1'), /WORKDIR is unset, not \/app/],
    ['dev dependencies left out before the build', 'Dockerfile', df.replace('npm ci --no-audit --no-fund && npm prune --omit=dev', 'npm ci --omit=dev'), /leaves out the dev dependencies/],
    ['an unclosed quote in RUN', 'Dockerfile', df.replace('RUN npm ci --no-audit', 'RUN "npm ci --no-audit'), /unbalanced quotes/],
    ['a GPU image that runs the API', 'Dockerfile.worker-gpu', gpuDf.replace('apps/worker/dist/main.js', 'apps/api/dist/main.js'), /the GPU image's CMD .* is not the worker/],
    ['a TF_BACKEND the config refuses (reported, not thrown)', 'Dockerfile.worker-gpu', gpuDf.replace('TF_BACKEND=tensorflow-gpu', 'TF_BACKEND=cuda'), /libs\/config refuses its ENV: .*TF_BACKEND/],
  ])('reports %s', (_name, file, text, expected) => {
    expect(dockerfileProblems(text, file)).toContainEqual(expect.stringMatching(expected));
  });
});

describe('deploy/tfjs-node-gpu.custom-binary.json (the GPU image\'s libtensorflow route)', () => {
  const json = readDeploy('tfjs-node-gpu.custom-binary.json');
  const gpuDf = readDeploy('Dockerfile.worker-gpu');
  const CP_LINE = '    cp deploy/tfjs-node-gpu.custom-binary.json node_modules/@tensorflow/tfjs-node-gpu/scripts/custom-binary.json; \\\n';

  it('names only "tf-lib", an archive the GPU Dockerfile verifies and serves, copied in after npm ci and read by npm rebuild', () => {
    expect(customBinaryProblems(json, gpuDf)).toEqual([]);
  });

  // Each of these would make tfjs-node-gpu's install quietly fall back to libtensorflow 2.9.1 (CUDA 11.2), or fail.
  it.each<[string, string, string, RegExp]>([
    ['a prebuilt "addon" (for another libtensorflow)', json.replace('{', '{ "addon": { "host": "https://example.org" },'), gpuDf, /key "addon": only "tf-lib"/],
    ['a misspelt key', json.replace('"tf-lib"', '"tf_lib"'), gpuDf, /"tf-lib" undefined is not an http\(s\) URL/],
    ['a .zip archive (Windows only)', json.replace('.tar.gz', '.zip'), gpuDf, /is not an http\(s\) URL of a \.tar\.gz/],
    ['the file copied to the wrong place', json, gpuDf.replace('tfjs-node-gpu/scripts/custom-binary.json', 'tfjs-node-gpu/custom-binary.json'), /does not copy deploy\/tfjs-node-gpu\.custom-binary\.json to node_modules/],
    ['the file copied before npm ci', json, gpuDf.replace(CP_LINE, '').replace('    npm ci --ignore-scripts', `${CP_LINE}    npm ci --ignore-scripts`), /before `npm ci`, which empties node_modules/],
    ['no npm rebuild after the copy', json, gpuDf.replace('npm rebuild --no-audit --no-fund', 'true'), /no `npm rebuild` after copying/],
    ['a port the Dockerfile does not serve', json.replace('8765', '8766'), gpuDf, /does not serve libtensorflow-gpu-linux-x86_64\.tar\.gz on 127\.0\.0\.1:8766/],
  ])('reports %s', (_name, jsonText, dockerfile, expected) => {
    expect(customBinaryProblems(jsonText, dockerfile)).toContainEqual(expect.stringMatching(expected));
  });
});
