/**
 * The course's lesson on the four 4.1 runs (test accuracies 0..1 by preset): with equal parameters
 * the CNN beats the FC net, and permuting the pixels costs the CNN far more than the FC net. The
 * margins (3 and 5 points) sit well inside what the bundled digits give (README: +7.4, −11.9 vs −0.5).
 */
export function expectCourseOrdering(acc: Record<string, number>): void {
  expect(acc['mnist-cnn']).toBeGreaterThan(acc['mnist-fc'] + 0.03);
  const fcDrop = acc['mnist-fc'] - acc['mnist-fc-permuted'];
  const cnnDrop = acc['mnist-cnn'] - acc['mnist-cnn-permuted'];
  expect(cnnDrop).toBeGreaterThan(0.05);
  expect(cnnDrop).toBeGreaterThan(fcDrop + 0.05);
  expect(acc['mnist-fc']).toBeGreaterThan(0.8);
}
