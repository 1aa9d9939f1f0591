import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { availableCores, threadOversubscription } from './available-cores';

describe('availableCores', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trainyard-cores-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const cpuMax = (text: string) => {
    const file = path.join(dir, `cpu.max-${Math.random().toString(36).slice(2)}`);
    fs.writeFileSync(file, text);
    return file;
  };

  it.each([
    ['200000 100000\n', 8, 2],
    ['150000 100000\n', 8, 1], // 1.5 cores: rounded down
    ['50000 100000\n', 8, 1], // half a core: still one thread
    ['800000 100000\n', 4, 4], // a quota above the machine's CPUs
    ['max 100000\n', 8, 8],
    ['garbage\n', 8, 8],
  ])('cpu.max %j with %i CPUs gives %i', (text, cpus, expected) => {
    expect(availableCores(cpuMax(text), cpus)).toBe(expected);
  });

  it('takes the CPUs when there is no cgroup v2 file', () => {
    expect(availableCores(path.join(dir, 'absent'), 6)).toBe(6);
  });
});

describe('threadOversubscription', () => {
  it('is null while concurrency × threads fits the cores', () => {
    expect(threadOversubscription(1, 2, 2)).toBeNull();
    expect(threadOversubscription(2, 4, 8)).toBeNull();
  });

  it('names both variables, the product and the threads that would fit', () => {
    expect(threadOversubscription(2, 2, 2)).toMatch(/WORKER_CONCURRENCY 2 × TRAIN_THREADS 2 = 4 training threads on 2 cores.*TRAIN_THREADS to 1/);
  });

  it('for one run at a time (trainyard train), names TRAIN_THREADS alone and the cores to set it to', () => {
    const text = threadOversubscription(1, 64, 2)!;
    expect(text).toMatch(/^TRAIN_THREADS 64: more training threads than the 2 cores here\b.*set TRAIN_THREADS to 2 /);
    expect(text).not.toMatch(/WORKER_CONCURRENCY|fewer jobs/);
  });
});
