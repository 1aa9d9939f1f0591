import type { Queue } from 'bullmq';
import { JOB_OUTCOMES, jobOutcome, MetricsService } from './metrics.service';

// The queue gauges call these two at scrape time; nothing else of the queue is touched here.
const queue = { getJobCounts: async () => ({}), getWorkersCount: async () => 0 } as unknown as Queue;

describe('MetricsService job outcomes', () => {
  it('exports a zero series for every outcome before any job ends, so panels and ratios have a series to read', async () => {
    const { body } = await new MetricsService(queue).render();
    for (const outcome of ['completed', 'failed', 'cancelled']) {
      expect(body).toContain(`trainyard_job_duration_seconds_count{outcome="${outcome}"} 0`);
    }
    expect([...JOB_OUTCOMES].sort()).toEqual(['cancelled', 'completed', 'failed']);
  });

  it('counts a run cancelled by a user as cancelled, not completed (its job completes with outcome cancelled)', () => {
    // apps/worker TrainExperimentHandler: a cancelled run completes its job with { outcome: 'cancelled' },
    // and a job whose record was already finished (cancelled while queued) with { outcome: 'skipped' }.
    expect(jobOutcome('completed', { outcome: 'cancelled' })).toBe('cancelled');
    expect(jobOutcome('completed', { outcome: 'skipped', status: 'cancelled' })).toBe('cancelled');
    expect(jobOutcome('completed', { outcome: 'completed', testAccuracy: 0.9 })).toBe('completed');
    expect(jobOutcome('failed', undefined)).toBe('failed');
  });
});
