import { presetSpec } from '@trainyard/contracts';
import { withCourseEpochs } from './course-epochs';

const draft = (overrides: Record<string, unknown> = {}) => ({ ...(presetSpec('mnist-cnn') as unknown as Record<string, unknown>), ...overrides });

describe('withCourseEpochs (the submit form follows the course steps rule)', () => {
  it('starts a 4.1 preset on the bundled digits at the course\'s steps, not 1 epoch', () => {
    expect(draft().epochs).toBe(8);
  });

  it('follows the data set, limit and batch size as they are edited', () => {
    expect(withCourseEpochs('mnist-cnn', draft({ dataset: 'mnist' })).epochs).toBe(1);
    expect(withCourseEpochs('mnist-cnn', draft({ limit: 2000 })).epochs).toBe(30);
    expect(withCourseEpochs('mnist-cnn', draft({ batchSize: 32 })).epochs).toBe(4);
    expect(withCourseEpochs('mnist-cnn', draft({ dataset: 'mnist', epochs: 8 })).epochs).toBe(1);
  });

  it('leaves a draft whose fields are not valid yet as it is', () => {
    for (const bad of [{ batchSize: 0 }, { batchSize: undefined }, { dataset: 'imagenet' }, { limit: -1 }]) {
      const d = draft({ ...bad, epochs: 5 });
      expect(withCourseEpochs('mnist-cnn', d)).toBe(d);
    }
  });
});
