import { COURSE_MODELS, SYNTHETIC_MAX } from '@trainyard/training';
import { BENCH_MODEL_SPECS, BENCH_MODELS, SYNTHETIC_MAX_TRAIN } from './bench-models';

// bench-models.ts restates these so that parsing the bench's options does not load TF.js.
describe('the bench models', () => {
  it("are libs/training's course models of the same names", () => {
    for (const name of BENCH_MODELS) expect(BENCH_MODEL_SPECS[name]).toEqual(COURSE_MODELS.find((m) => m.name === name)?.spec);
  });

  it("size runs within the synthetic set's cap", () => {
    expect(SYNTHETIC_MAX_TRAIN).toBe(SYNTHETIC_MAX.train);
  });
});
