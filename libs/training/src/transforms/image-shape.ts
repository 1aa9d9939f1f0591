import type { ImageShape } from '@trainyard/contracts';

// The shape of one image, NHWC (contracts' ImageShape): a `Dataset` satisfies it.
export type { ImageShape };

export const imageSize = (shape: ImageShape): number => shape.height * shape.width * shape.channels;

export function assertImage(image: Uint8Array, shape: ImageShape): void {
  if (image.length !== imageSize(shape)) {
    throw new RangeError(
      `image has ${image.length} bytes, expected ${shape.height}×${shape.width}×${shape.channels} = ${imageSize(shape)}`,
    );
  }
}
