import type { Job, Queue } from 'bullmq';
import { JobName, type TrainJobData } from './queue-names';
import { trainJobOptions } from './train-job.options';

/** One experiment to enqueue: its job's data, and its fair-share priority when it has one. */
export interface TrainJobRequest extends TrainJobData {
  /**
   * BullMQ priority, from `FairShareScheduler.assignPriorities` (1 = first, up to
   * `MAX_BULLMQ_PRIORITY`). Without one the job waits in BullMQ's FIFO wait list, ahead of every
   * prioritized job.
   */
  priority?: number;
}

/**
 * The training queue's one way in: every `JobName.TrainExperiment` job, from the API's
 * submissions and from the tests alike, is added here with `trainJobOptions` and the experiment
 * id as its BullMQ job id (one job per experiment, findable and removable by that id).
 */
export class TrainingQueue {
  constructor(readonly queue: Queue<TrainJobData>) {}

  /**
   * Adds one job per request, all or none (BullMQ's `addBulk` is one MULTI). The experiment's
   * record and its `queued` event must exist first, so that a worker that takes the job at once
   * finds them. Throws whatever BullMQ throws (Redis unreachable), having added nothing.
   */
  async enqueue(requests: readonly TrainJobRequest[]): Promise<Job<TrainJobData>[]> {
    return this.queue.addBulk(
      requests.map(({ priority, ...data }) => ({
        name: JobName.TrainExperiment,
        data,
        opts: { ...trainJobOptions, jobId: data.experimentId, ...(priority === undefined ? {} : { priority }) },
      })),
    );
  }
}
