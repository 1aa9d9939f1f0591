import * as tf from '@tensorflow/tfjs';
import {
  activationValuesPerSample,
  DATASET_NAMES,
  ExperimentSpecSchema,
  forwardFlopsPerSample,
  imageShape,
  modelInputShape,
  modelLayers,
  modelParams,
  ModelSpecSchema,
  type ImageShape,
  type LayerKind,
  type ModelSpec,
} from '@trainyard/contracts';
import { buildModel, COURSE_MODELS, countParams, nativeInputShape } from './index';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('nativeInputShape', () => {
  it("is the contracts' model input shape, with the course's 10 classes", () => {
    for (const { spec } of COURSE_MODELS) expect(nativeInputShape(spec.type)).toEqual({ ...modelInputShape(spec.type), numClasses: 10 });
  });
});

describe('course models', () => {
  // PyTorch's get_n_params for the course's nets (the week-2 lab's reference).
  it.each([
    ['fc2layer', 6442],
    ['cnn', 6422],
    ['cifar-cnn', 62006],
    ['vgg16', 9231114],
    ['vgg16-conv1x1', 9231114],
  ])('%s has %i trainable parameters, as in PyTorch', (name, expected) => {
    const entry = COURSE_MODELS.find((m) => m.name === name)!;
    const model = buildModel(entry.spec);
    try {
      expect(countParams(model)).toBe(expected);
    } finally {
      model.dispose();
    }
  });

  it('the 1×1-conv CNN head has far fewer parameters than the FC head', () => {
    const model = buildModel({ type: 'cnn', features: 6, head: 'conv1x1' });
    try {
      // conv1 156 + conv2 906 + 1×1 6→50 (350) + 1×1 50→10 (510)
      expect(countParams(model)).toBe(156 + 906 + 350 + 510);
    } finally {
      model.dispose();
    }
  });

  it('initialises weights and biases uniformly within ±1/√fan_in, like PyTorch', async () => {
    const model = buildModel({ type: 'fc2layer', hidden: 8 }, undefined, 3);
    try {
      const [kernel, bias] = model.layers[1].getWeights();
      const bound = 1 / Math.sqrt(784);
      const k = await kernel.data();
      const b = await bias.data();
      expect(Math.max(...k)).toBeLessThanOrEqual(bound);
      expect(Math.min(...k)).toBeGreaterThanOrEqual(-bound);
      // Uniform on ±bound: the extremes come close to the bound, and biases are not zero.
      expect(Math.max(...k)).toBeGreaterThan(bound * 0.95);
      expect(Math.min(...b)).toBeGreaterThanOrEqual(-bound);
      expect(b.some((v) => v !== 0)).toBe(true);
    } finally {
      model.dispose();
    }
  });

  it('is reproducible from the seed and differs across seeds', async () => {
    const a = buildModel({ type: 'cnn', features: 6, head: 'fc' }, undefined, 1);
    const b = buildModel({ type: 'cnn', features: 6, head: 'fc' }, undefined, 1);
    const c = buildModel({ type: 'cnn', features: 6, head: 'fc' }, undefined, 2);
    try {
      const wa = await a.layers[0].getWeights()[0].data();
      const wb = await b.layers[0].getWeights()[0].data();
      const wc = await c.layers[0].getWeights()[0].data();
      expect(Array.from(wa)).toEqual(Array.from(wb));
      expect(Array.from(wa)).not.toEqual(Array.from(wc));
    } finally {
      [a, b, c].forEach((m) => m.dispose());
    }
  });

  it('outputs one logit per class for a batch', () => {
    for (const { spec } of COURSE_MODELS.filter((m) => !m.name.startsWith('vgg'))) {
      const model = buildModel(spec);
      const shape = model.inputs[0].shape.slice(1) as number[];
      const out = tf.tidy(() => model.predict(tf.zeros([2, ...shape])) as tf.Tensor);
      expect(out.shape).toEqual([2, 10]);
      out.dispose();
      model.dispose();
    }
  });

  // The spec schema bounds a batch's memory with activationValuesPerSample(), computed without
  // TF.js: it must equal the input plus every layer's output as the models are really built.
  it.each<[string, ModelSpec, [number, number, number]]>([
    ...COURSE_MODELS.map((m): [string, ModelSpec, [number, number, number]] => [m.name, m.spec, m.spec.type === 'vgg16' || m.spec.type === 'cifar-cnn' ? [32, 32, 3] : [28, 28, 1]]),
    ['cnn on CIFAR-sized images', { type: 'cnn', features: 256, head: 'fc' }, [32, 32, 3]],
    ['fc2layer, 100 hidden, on CIFAR-sized images', { type: 'fc2layer', hidden: 100 }, [32, 32, 3]],
  ])('counts the activations of %s from its layer shapes', (_name, spec, [height, width, channels]) => {
    const model = buildModel(spec, { height, width, channels, numClasses: 10 });
    try {
      const fromLayers = model.layers.reduce((sum, l) => sum + (l.outputShape as number[]).slice(1).reduce((a, b) => a * b, 1), height * width * channels);
      expect(activationValuesPerSample(spec, { height, width, channels })).toBe(fromLayers);
    } finally {
      model.dispose();
    }
  });
});

// The API estimates a run's time from contracts' modelLayers (FLOPs per sample, without TF.js),
// so it must describe the models exactly as they are built here: every layer's kind, output shape
// and parameter count, and FLOPs read off the built layers' kernels.
describe('contracts modelLayers matches the built TF.js models', () => {
  const VARIANTS: ModelSpec[] = [
    { type: 'fc2layer', hidden: 8 },
    { type: 'fc2layer', hidden: 100 },
    { type: 'cnn', features: 6, head: 'fc' },
    { type: 'cnn', features: 6, head: 'conv1x1' },
    { type: 'cnn', features: 17, head: 'fc' },
    { type: 'cnn', features: 17, head: 'conv1x1' },
    { type: 'cifar-cnn' },
    { type: 'vgg16', head: 'fc' },
    { type: 'vgg16', head: 'conv1x1' },
  ];
  const CLASS_NAMES: Record<LayerKind, string> = {
    conv2d: 'Conv2D',
    dense: 'Dense',
    maxPooling2d: 'MaxPooling2D',
    flatten: 'Flatten',
    batchNormalization: 'BatchNormalization',
    activation: 'Activation',
    globalAveragePooling2d: 'GlobalAveragePooling2D',
  };
  // Every image shape a data set gives each variant, where the schema accepts the pair (VGG needs 32×32).
  const cases = VARIANTS.flatMap((model) => {
    const shapes = new Map<string, ImageShape>();
    for (const dataset of DATASET_NAMES) {
      const spec = { dataset, model, optimizer: { type: 'sgd', lr: 0.1 }, epochs: 1, batchSize: 1, testBatchSize: 1 };
      if (!ExperimentSpecSchema.safeParse(spec).success) continue;
      const shape = imageShape(dataset, model.type);
      shapes.set(`${shape.height}×${shape.width}×${shape.channels}`, shape);
    }
    return [...shapes].map(([name, shape]): [string, ModelSpec, ImageShape] => [`${JSON.stringify(model)} on ${name}`, model, shape]);
  });

  it('covers every model type and head', () => {
    for (const option of ModelSpecSchema.options) expect(VARIANTS.map((v) => v.type)).toContain(option.shape.type.value);
    for (const type of ['cnn', 'vgg16'] as const) for (const head of ['fc', 'conv1x1']) expect(VARIANTS).toContainEqual(expect.objectContaining({ type, head }));
    expect(cases.some(([, m, s]) => m.type === 'cnn' && s.channels === 3)).toBe(true);
  });

  // FLOPs of a built layer: 2 × multiply-adds, from its kernel's shape and its output's size.
  const flopsOf = (layer: tf.layers.Layer): number => {
    const kernel = layer.getWeights()[0]?.shape ?? [];
    const out = (layer.outputShape as number[]).slice(1);
    if (layer.getClassName() === 'Conv2D') return 2 * out[0] * out[1] * kernel.reduce((a, b) => a * b, 1);
    if (layer.getClassName() === 'Dense') return 2 * kernel[0]! * kernel[1]!;
    return 0;
  };

  it.each(cases)('%s: layers, parameters and FLOPs', (_name, spec, shape) => {
    const model = buildModel(spec, { ...shape, numClasses: 10 });
    try {
      const built = model.layers.map((l) => ({
        kind: l.getClassName(),
        outputShape: (l.outputShape as number[]).slice(1),
        params: l.trainableWeights.reduce((sum, w) => sum + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0),
        forwardFlops: flopsOf(l),
      }));
      const described = modelLayers(spec, shape, 10).map((l) => ({ ...l, kind: CLASS_NAMES[l.kind] }));
      expect(described).toEqual(built);
      expect(modelParams(spec, shape)).toBe(countParams(model));
      expect(forwardFlopsPerSample(spec, shape)).toBe(built.reduce((sum, l) => sum + l.forwardFlops, 0));
    } finally {
      model.dispose();
    }
  });

  it("gives the course's models their published parameter counts and a known FLOP count", () => {
    const cnn: ModelSpec = { type: 'cnn', features: 6, head: 'fc' };
    expect(modelParams(cnn, modelInputShape('cnn'))).toBe(6422);
    expect(modelParams({ type: 'vgg16', head: 'fc' }, modelInputShape('vgg16'))).toBe(9231114);
    // conv1 24·24·6·25, conv2 8·8·6·150, fc 96·50 and 50·10 multiply-adds, ×2.
    expect(forwardFlopsPerSample(cnn, modelInputShape('cnn'))).toBe(2 * (24 * 24 * 6 * 25 + 8 * 8 * 6 * 150 + 96 * 50 + 50 * 10));
  });
});
