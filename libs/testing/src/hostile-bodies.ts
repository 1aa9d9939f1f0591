// fast-check arbitraries of request bodies, as the raw JSON text a client sends: arbitrary JSON
// values, near-valid experiment requests with fields mutated to any JSON, and both with prototype
// keys (`__proto__`, `constructor`, `prototype`) placed at the top or inside a nested object.
// Text, because JSON.parse makes `"__proto__"` an own key, which an object literal would not.
import fc from 'fast-check';
import { DATASET_NAMES, isPlain, PRESET_NAMES } from '@trainyard/contracts';

/** Mostly a plausible value, sometimes any JSON value at all. */
const field = <T>(plausible: fc.Arbitrary<T>): fc.Arbitrary<unknown> =>
  fc.oneof({ weight: 4, arbitrary: plausible }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) });

const number = fc.oneof(fc.integer({ min: -2, max: 70_000 }), fc.double({ min: -1e6, max: 1e6, noNaN: true }));
const channels = fc.array(field(fc.double({ min: -2, max: 2, noNaN: true })), { maxLength: 4 });

const model = fc.record(
  {
    type: field(fc.constantFrom('fc2layer', 'cnn', 'cifar-cnn', 'vgg16', 'resnet50')),
    hidden: field(fc.integer({ min: -1, max: 5000 })),
    features: field(fc.integer({ min: -1, max: 300 })),
    head: field(fc.constantFrom('fc', 'conv1x1', 'mlp')),
  },
  { requiredKeys: [] },
);
const optimizer = fc.record(
  { type: field(fc.constantFrom('sgd', 'adam', 'rmsprop')), lr: field(number), momentum: field(fc.double({ min: -1, max: 2, noNaN: true })) },
  { requiredKeys: [] },
);
const transforms = fc.record(
  {
    normalize: field(fc.record({ mean: channels, std: channels }, { requiredKeys: [] })),
    randomCrop: field(fc.record({ padding: field(fc.integer({ min: -1, max: 20 })) })),
    horizontalFlip: field(fc.boolean()),
  },
  { requiredKeys: [] },
);

/** A preset with overrides, or a full spec, each field plausible or mutated. */
export const nearValidRequest = fc.record(
  {
    preset: field(fc.constantFrom(...PRESET_NAMES, 'mnist-cnnn')),
    name: field(fc.string({ maxLength: 130 })),
    dataset: field(fc.constantFrom(...DATASET_NAMES, 'imagenet')),
    model,
    optimizer,
    epochs: field(fc.integer({ min: -1, max: 250 })),
    batchSize: field(fc.integer({ min: 0, max: 5000 })),
    testBatchSize: field(fc.integer({ min: 0, max: 11_000 })),
    shuffle: field(fc.boolean()),
    transforms,
    permutePixels: field(fc.oneof(fc.constant(false), fc.integer({ min: -1, max: 2 ** 31 }))),
    seed: field(fc.integer({ min: -1, max: 2 ** 31 })),
    limit: field(fc.integer({ min: 0, max: 70_000 })),
    testLimit: field(fc.integer({ min: 0, max: 11_000 })),
  },
  { requiredKeys: [] },
);

/** A valid preset request (small overrides), so that the 201 path is exercised too. */
export const presetRequest = fc.record(
  {
    preset: fc.constantFrom(...PRESET_NAMES),
    epochs: fc.integer({ min: 1, max: 3 }),
    limit: fc.integer({ min: 1, max: 500 }),
    testLimit: fc.integer({ min: 1, max: 500 }),
    seed: fc.integer({ min: 0, max: 1000 }),
    shuffle: fc.boolean(),
  },
  { requiredKeys: ['preset'] },
);

/** Valid overrides for a suite (no `preset`: the suite names its own), so that a suite's 201 path is exercised too. */
export const suiteOverrides = fc.record(
  {
    epochs: fc.integer({ min: 1, max: 3 }),
    limit: fc.integer({ min: 1, max: 500 }),
    testLimit: fc.integer({ min: 1, max: 500 }),
    seed: fc.integer({ min: 0, max: 1000 }),
  },
  { requiredKeys: [] },
);

/** A valid preset request with one field (or a new one) set to any JSON value. */
export const mutatedPresetRequest = fc
  .tuple(presetRequest, fc.constantFrom('preset', 'epochs', 'limit', 'seed', 'model', 'optimizer', 'transforms', 'dataset', 'extra'), fc.jsonValue({ maxDepth: 3 }))
  .map(([request, key, value]) => ({ ...request, [key]: value }));

const MARKER = 'zzPrototypeKeyMarkerzz';

export const PROTOTYPE_KEY_NAMES = ['__proto__', 'constructor', 'prototype'] as const;

/** A near-valid request with one prototype key added at the top, in `model` or in `transforms`. */
export const withPrototypeKey = fc
  .tuple(nearValidRequest, fc.constantFrom(...PROTOTYPE_KEY_NAMES), fc.constantFrom('', 'model', 'transforms'), fc.jsonValue({ maxDepth: 2 }))
  .map(([request, key, where, value]) => {
    // Copies, so the generated values (which fast-check reuses while shrinking) stay unchanged.
    const body: Record<string, unknown> = { ...request };
    const nested = body[where];
    const target: Record<string, unknown> = where ? { ...(isPlain(nested) ? nested : {}) } : body;
    if (where) body[where] = target;
    // Inserted as text in place of a marker key, as JSON.stringify cannot write an own `__proto__`.
    target[MARKER] = 0;
    // A function, so that `$&` and the like in the value are not replacement patterns.
    return JSON.stringify(body).replace(`"${MARKER}":0`, () => `"${key}":${JSON.stringify(value)}`);
  });

/** Any body at all: arbitrary JSON, near-valid, valid and mutated requests, and requests with a prototype key. */
export const anyBody: fc.Arbitrary<string> = fc.oneof(
  fc.jsonValue().map((v) => JSON.stringify(v)),
  nearValidRequest.map((v) => JSON.stringify(v)),
  presetRequest.map((v) => JSON.stringify(v)),
  suiteOverrides.map((v) => JSON.stringify(v)),
  mutatedPresetRequest.map((v) => JSON.stringify(v)),
  withPrototypeKey,
);
