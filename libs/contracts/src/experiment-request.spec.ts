import { mergeOverrides, PRESET_NAMES, presetSpec, prototypeKeyIssues } from './index';
import { issuesOf } from '@trainyard/testing';


describe('resolveExperimentRequest', () => {
  it.each(PRESET_NAMES)('resolves the preset %s', (name) => {
    expect(presetSpec(name).epochs).toBeGreaterThan(0);
  });

  it('merges nested overrides of the same type and replaces a different type', () => {
    expect(presetSpec('mnist-cnn', { model: { head: 'conv1x1' } }).model).toEqual({ type: 'cnn', features: 6, head: 'conv1x1' });
    expect(presetSpec('mnist-cnn', { model: { type: 'fc2layer' } }).model).toEqual({ type: 'fc2layer', hidden: 8 });
  });

  it('names unknown fields at their own path', () => {
    expect(issuesOf({ preset: 'mnist-cnn', epohcs: 3, model: { head: 'fc', depth: 2 } })).toEqual(
      expect.arrayContaining([
        { path: 'epohcs', message: 'unknown field' },
        { path: 'model.depth', message: 'unknown field' },
      ]),
    );
  });

  // A field that belongs to another variant of the model or optimizer says so, rather than "unknown".
  it.each([
    [{ preset: 'mnist-fc', model: { head: 'conv1x1' } }, 'model.head', 'not a setting of the fc2layer model (only cnn and vgg16 have a head)'],
    [{ preset: 'mnist-cnn', optimizer: { type: 'adam', lr: 0.001, momentum: 0.9 } }, 'optimizer.momentum', 'not a setting of the adam optimizer (only sgd has a momentum)'],
  ])('names the variants %j that have the field', (body, path, message) => {
    expect(issuesOf(body)).toContainEqual({ path, message });
  });

  it('says that a change of optimizer needs its own learning rate, not "expected number, received undefined"', () => {
    expect(issuesOf({ preset: 'mnist-cnn', optimizer: { type: 'adam' } })).toEqual([
      { path: 'optimizer.lr', message: 'missing: a change of optimizer needs its own learning rate (lr; --lr in the CLI)' },
    ]);
    // A wrong type still gets the schema's own message.
    expect(issuesOf({ preset: 'mnist-cnn', optimizer: { lr: 'fast' } })[0].message).toMatch(/expected number, received string/);
  });

  it.each([
    [{ preset: 'mnist-cnn', epochs: 0 }, 'epochs'],
    [{ preset: 'mnist-cnn', epochs: 1e6 }, 'epochs'],
    [{ preset: 'mnist-cnn', optimizer: { lr: -1 } }, 'optimizer.lr'],
    [{ preset: 'mnist-cnn', batchSize: 1.5 }, 'batchSize'],
    [{ preset: 'mnist-cnn', limit: 0 }, 'limit'],
    [{ preset: 'mnist-cnn', dataset: 'imagenet' }, 'dataset'],
    [{ preset: 'mnist-cnnn' }, 'preset'],
    [{ preset: 'mnist-cnn', transforms: { normalize: { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] } } }, 'transforms.normalize.mean'],
    [{ preset: 'cifar10-vgg16', dataset: 'mnist-bundled' }, 'model.type'],
  ])('rejects %j at %s', (body, path) => {
    expect(issuesOf(body).map((i) => i.path)).toContain(path);
  });

  it('accepts the CNN on CIFAR-10 and per-channel or shared normalisation', () => {
    expect(presetSpec('mnist-cnn', { dataset: 'cifar10', transforms: { normalize: { mean: [0.5], std: [0.5] } } }).dataset).toBe('cifar10');
    expect(presetSpec('cifar10-cnn', { dataset: 'synthetic' }).transforms.normalize?.mean).toHaveLength(3);
  });

  it('rejects a body that is not an object', () => {
    expect(issuesOf([1, 2])[0].path).toBe('(root)');
    expect(issuesOf('mnist-cnn')[0].path).toBe('(root)');
  });
});

// JSON.parse makes `__proto__` an own key; merged with `out[key] = value` it set
// the prototype, and the schema then read the inherited fields (`{"__proto__":{"limit":77}}` → limit 77).
describe('prototype keys', () => {
  it.each([
    ['{"preset":"mnist-fc","__proto__":{"limit":77}}', '__proto__'],
    ['{"preset":"mnist-cnn","model":{"__proto__":{"head":"conv1x1"}}}', 'model.__proto__'],
    ['{"preset":"mnist-fc","transforms":{"__proto__":{"randomCrop":{"padding":2}}}}', 'transforms.__proto__'],
    ['{"preset":"mnist-fc","constructor":{"prototype":{"limit":3}}}', 'constructor'],
    ['{"preset":"mnist-fc","transforms":{"normalize":{"mean":[0.5],"std":[{"prototype":1}]}}}', 'transforms.normalize.std.0.prototype'],
    ['{"dataset":"synthetic","__proto__":{"limit":5}}', '__proto__'],
  ])('refuses %s, naming %s', (raw, path) => {
    const issues = issuesOf(JSON.parse(raw));
    expect(issues).toContainEqual({ path, message: expect.stringMatching(/forbidden key/) });
  });

  it('refuses them in presetSpec overrides (the suites route and the CLI)', () => {
    expect(() => presetSpec('mnist-fc', JSON.parse('{"__proto__":{"limit":77}}'))).toThrow('Forbidden key in the experiment at __proto__: __proto__, constructor and prototype are never fields');
  });

  it('finds every prototype key, however deep, without recursion limits', () => {
    let deep: unknown = JSON.parse('{"__proto__":1}');
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(prototypeKeyIssues(deep)).toEqual([{ path: `${'0.'.repeat(100_000)}__proto__`, message: expect.any(String) }]);
    expect(prototypeKeyIssues(JSON.parse('{"a":[{"constructor":1},{"b":{"prototype":2}}],"c":"__proto__"}')).map((i) => i.path)).toEqual([
      'a.0.constructor',
      'a.1.b.prototype',
    ]);
    expect(prototypeKeyIssues({ preset: 'mnist-fc', model: { type: 'cnn' } })).toEqual([]);
  });

  it('merges into objects that own every key they were given, so no override reaches a prototype', () => {
    const merged = mergeOverrides({ model: { type: 'cnn', features: 6 } }, JSON.parse('{"__proto__":{"limit":7},"model":{"__proto__":{"head":"x"}}}'));
    expect((merged as { limit?: unknown }).limit).toBeUndefined();
    expect(((merged.model as Record<string, unknown>).head)).toBeUndefined();
    expect(Object.hasOwn(merged, '__proto__')).toBe(true);
  });

  it('removes a preset field an override sets to null (JSON Merge Patch), as `trainyard submit --no-normalize` sends', () => {
    const spec = presetSpec('mnist-cnn', { transforms: { normalize: null } });
    expect(spec.transforms.normalize).toBeUndefined();
    expect(presetSpec('mnist-cnn').transforms.normalize).toEqual({ mean: [0.1307], std: [0.3081] });
    // A required field cannot be removed: the schema names it.
    expect(() => presetSpec('mnist-cnn', { optimizer: { lr: null } })).toThrow(/optimizer\.lr/);
  });
});
