import { Queue } from 'bullmq';
import { deleteKeys, testPrefix, useTestRedis } from '@trainyard/testing';
import { JobName, QueueName, type TrainJobData } from './queue-names';
import { trainJobOptions } from './train-job.options';
import { TrainingQueue } from './training-queue';

// The one enqueue path, against a real Redis and a real BullMQ queue (no worker).
describe('TrainingQueue.enqueue', () => {
  const t = useTestRedis();
  let prefix: string;
  let queue: Queue<TrainJobData>;
  let training: TrainingQueue;

  beforeEach(async () => {
    prefix = testPrefix();
    queue = new Queue<TrainJobData>(QueueName.Training, { connection: { host: '127.0.0.1', port: Number(new URL(t.server.url).port) }, prefix });
    // Closing a queue whose connection is still being made emits an error nobody listens to.
    await queue.waitUntilReady();
    training = new TrainingQueue(queue);
  });
  afterEach(async () => {
    await queue.close();
    await deleteKeys(t.redis, prefix);
  });

  it('adds one train-experiment job per experiment, with the experiment id as job id and the shared options', async () => {
    await training.enqueue([
      { experimentId: 'e1', owner: 'alice', priority: 3 },
      { experimentId: 'e2', owner: 'bob', exempt: true, priority: 2 },
    ]);
    const [e1, e2] = await Promise.all([queue.getJob('e1'), queue.getJob('e2')]);
    expect(e1!.name).toBe(JobName.TrainExperiment);
    expect(e1!.data).toEqual({ experimentId: 'e1', owner: 'alice' });
    expect(e2!.data).toEqual({ experimentId: 'e2', owner: 'bob', exempt: true });
    expect(e1!.opts).toMatchObject({ attempts: trainJobOptions.attempts, backoff: trainJobOptions.backoff, removeOnComplete: trainJobOptions.removeOnComplete });
    // Lower priority first: bob's job is ahead.
    expect((await queue.getPrioritized(0, -1)).map((j) => j.id)).toEqual(['e2', 'e1']);
  });

  it('leaves a job without a priority in the FIFO wait list', async () => {
    await training.enqueue([{ experimentId: 'e3', owner: 'alice' }]);
    const job = await queue.getJob('e3');
    expect(job!.priority).toBe(0);
    expect(await job!.getState()).toBe('waiting');
  });

  it('adds a second job for the same experiment not at all (one job per experiment)', async () => {
    await training.enqueue([{ experimentId: 'e4', owner: 'alice' }]);
    await training.enqueue([{ experimentId: 'e4', owner: 'alice' }]);
    expect(await queue.getJobCounts('waiting', 'prioritized')).toMatchObject({ waiting: 1, prioritized: 0 });
  });
});
