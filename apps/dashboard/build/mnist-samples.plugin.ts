// The slice of Vite's Plugin type used here, declared locally so this file also type-checks under
// the repository's node-resolution tsconfig (vite's types need bundler resolution).
interface VirtualModulePlugin {
  name: string;
  resolveId(id: string): string | undefined;
  load(id: string): Promise<string | undefined>;
}
import { loadMnistBundled } from '../../../libs/training/src/data/mnist-bundled.loader';

export const MNIST_SAMPLES_MODULE = 'virtual:mnist-samples';
const RESOLVED = `\0${MNIST_SAMPLES_MODULE}`;
/** Two test digits of each class: enough for the course's plain-vs-permuted grid. */
const SAMPLE_COUNT = 20;

/**
 * The first test images of the bundled MNIST split, embedded at build time (~16 kB) through the
 * training lib's own loader, so the dashboard shows exactly the images the trainer tests on
 * without shipping 21 MB of digits or adding an API route.
 */
export function mnistSamplesPlugin(): VirtualModulePlugin {
  return {
    name: 'trainyard-mnist-samples',
    resolveId: (id) => (id === MNIST_SAMPLES_MODULE ? RESOLVED : undefined),
    async load(id) {
      if (id !== RESOLVED) return undefined;
      const { test, height, width } = await loadMnistBundled();
      const n = Math.min(SAMPLE_COUNT, test.count);
      const pixels = Buffer.from(test.images.subarray(0, n * height * width)).toString('base64');
      const labels = Array.from(test.labels.subarray(0, n));
      return `export default ${JSON.stringify({ height, width, labels, pixels })};`;
    },
  };
}
