/**
 * deploy/ validated without Docker or a cluster: every file parses, matches its schema (compose-spec,
 * Kubernetes OpenAPI), and agrees with the code (env vars, ports, entry points, mounted paths);
 * the Dockerfiles lint clean. Each check is also fed a broken copy, to show it reports.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadConfig } from '@trainyard/config';
import {
  composeContainers,
  composeDependencyProblems,
  composeSchemaProblems,
  containerProblems,
  DEPLOY,
  dockerfileProblems,
  exampleEnv,
  k8sContainers,
  k8sSchemaProblems,
  k8sWiringProblems,
  loadDeployYaml,
  loadDeployYamlAll,
  nginxProblems,
  readDeploy,
} from './deploy-checks';

const clone = <T>(x: T): T => structuredClone(x);
const K8S_DIR = path.join(DEPLOY, 'k8s');
const k8sFiles = fs.readdirSync(K8S_DIR).filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml');
const k8sObjects = (files = k8sFiles) => files.flatMap((f) => loadDeployYamlAll(`k8s/${f}`).map((o) => ({ ...o, __file: f })));
const withoutFile = ({ __file, ...o }: any) => o;
const allComposeProblems = (doc: any) => [
  ...composeSchemaProblems(doc),
  ...composeDependencyProblems(doc),
  ...composeContainers(doc, exampleEnv()).flatMap(containerProblems),
];
const allK8sProblems = (objects: any[]) => [
  ...objects.flatMap((o) => k8sSchemaProblems(withoutFile(o), `${o.__file} ${o.kind} ${o.metadata?.name}`)),
  ...k8sWiringProblems(objects),
  ...k8sContainers(objects).flatMap(containerProblems),
];
const API_PORT = loadConfig({}).port;

describe('deploy/compose.yaml', () => {
  const compose = loadDeployYaml('compose.yaml');

  it('matches the compose-spec schema and the code, with nothing to report', () => {
    expect(allComposeProblems(compose)).toEqual([]);
    expect(composeSchemaProblems(loadDeployYaml('compose.nfs.yaml'))).toEqual([]);
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
    it('a worker grace period too short for a checkpoint', () => {
      expect(broken((d) => (d.services['worker-gpu0'].stop_grace_period = '10s'))).toContainEqual('compose service worker-gpu0: grace period 10 s < 60 s, too short to write a checkpoint');
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

  it('has what the issue asks: API Deployment + Service + HPA, GPU and CPU workers, Redis StatefulSet with AOF, Secret, ConfigMap, PDBs, probes, RWX volumes', () => {
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
      expect(broken((o) => (find(o, 'Deployment', 'trainyard-worker-gpu').spec.template.spec.terminationGracePeriodSeconds = 30))).toContainEqual(
        'Deployment trainyard-worker-gpu container worker: grace period 30 s < 60 s, too short to write a checkpoint',
      );
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
});
