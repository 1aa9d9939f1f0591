import { useEffect, useRef } from 'preact/hooks';
import samples from 'virtual:mnist-samples';
import { COURSE_PERMUTATION_SEED } from '@trainyard/contracts';
// The trainer's own code (seedrandom + Fisher–Yates), so the grid shows exactly what the model sees.
import { applyPixelPermutation, pixelPermutation } from '../../../../libs/training/src/transforms/pixel-permutation';

const shape = { height: samples.height, width: samples.width, channels: 1 };
const size = samples.height * samples.width;
const bytes = Uint8Array.from(atob(samples.pixels), (c) => c.charCodeAt(0));
const images = samples.labels.map((label, i) => ({ label, pixels: bytes.subarray(i * size, (i + 1) * size) }));

/** The course's figure: test digits as they are, and as one fixed pixel permutation scrambles them. */
export function SampleGrid({ permuteSeed }: { permuteSeed: number | false }) {
  const seed = permuteSeed === false ? COURSE_PERMUTATION_SEED : permuteSeed;
  const perm = pixelPermutation(seed, shape);
  return (
    <div class="samples" data-testid="samples">
      <div class="samples-row">
        <span class="samples-caption">as loaded</span>
        {images.map((img, i) => (
          <Digit key={i} pixels={img.pixels} label={String(img.label)} />
        ))}
      </div>
      <div class="samples-row">
        <span class="samples-caption">
          {permuteSeed === false ? `permuted (seed ${seed}, not used by this run)` : `permuted (seed ${seed}, as this run trains)`}
        </span>
        {images.map((img, i) => (
          <Digit key={i} pixels={applyPixelPermutation(img.pixels, shape, perm)} label={String(img.label)} />
        ))}
      </div>
    </div>
  );
}

function Digit({ pixels, label }: { pixels: Uint8Array; label: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = canvas.current!.getContext('2d')!;
    const image = ctx.createImageData(shape.width, shape.height);
    for (let i = 0; i < pixels.length; i++) {
      // Ink dark on paper, as the course's matplotlib figures show them.
      const v = 255 - pixels[i];
      image.data.set([v, v, v, 255], i * 4);
    }
    ctx.putImageData(image, 0, 0);
  }, [pixels]);
  return (
    <figure class="digit">
      <canvas ref={canvas} width={shape.width} height={shape.height} aria-label={`digit ${label}`} />
      <figcaption>{label}</figcaption>
    </figure>
  );
}
