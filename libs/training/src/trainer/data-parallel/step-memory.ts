/** What every replica needs to rebuild the same views of the shared memory (structured-cloneable). */
export interface StepMemoryInit {
  replicas: number;
  /** Floats in one sample (H·W·C). */
  sampleSize: number;
  /** Floats in one replica's slot: its gradients, then its non-trainable weights (see ReplicaLayout). */
  slotLength: number;
  x: SharedArrayBuffer;
  y: SharedArrayBuffer;
  slots: SharedArrayBuffer;
  stats: SharedArrayBuffer;
}

/**
 * The memory the replicas share for one step, in SharedArrayBuffers so that no thread copies
 * another's data to read it:
 * - `x`, `y`: the whole batch (NHWC floats, int labels), written once by the batch generator;
 *   each replica reads its shard in place.
 * - `slots`: per replica, its shard's gradients and non-trainable weights (float32).
 * - `stats`: per replica, its shard's mean loss and correct count (float64).
 * Slots and stats are double-buffered by step parity: a fast replica may already write step k+1
 * while a slow one still reads step k's slots to average them.
 */
export class StepMemory {
  readonly x: Float32Array;
  readonly y: Int32Array;
  private readonly slotViews: Float32Array[][];
  private readonly statViews: Float64Array[];

  constructor(readonly init: StepMemoryInit) {
    this.x = new Float32Array(init.x);
    this.y = new Int32Array(init.y);
    const slots = new Float32Array(init.slots);
    this.slotViews = [0, 1].map((parity) =>
      Array.from({ length: init.replicas }, (_, r) => slots.subarray((parity * init.replicas + r) * init.slotLength, (parity * init.replicas + r + 1) * init.slotLength)),
    );
    const stats = new Float64Array(init.stats);
    this.statViews = [0, 1].map((parity) => stats.subarray(parity * init.replicas * 2, (parity + 1) * init.replicas * 2));
  }

  /** Allocates shared memory for batches of up to `batchSize` samples. */
  static allocate(replicas: number, batchSize: number, sampleSize: number, slotLength: number): StepMemory {
    return new StepMemory({
      replicas,
      sampleSize,
      slotLength,
      x: new SharedArrayBuffer(batchSize * sampleSize * Float32Array.BYTES_PER_ELEMENT),
      y: new SharedArrayBuffer(batchSize * Int32Array.BYTES_PER_ELEMENT),
      slots: new SharedArrayBuffer(2 * replicas * slotLength * Float32Array.BYTES_PER_ELEMENT),
      stats: new SharedArrayBuffer(2 * replicas * 2 * Float64Array.BYTES_PER_ELEMENT),
    });
  }

  /** Replica `replica`'s slot for steps of this parity. */
  slot(parity: number, replica: number): Float32Array {
    return this.slotViews[parity][replica];
  }

  /** Every replica's slot for steps of this parity, in replica order. */
  slots(parity: number): Float32Array[] {
    return this.slotViews[parity];
  }

  writeStats(parity: number, replica: number, loss: number, correct: number): void {
    this.statViews[parity][2 * replica] = loss;
    this.statViews[parity][2 * replica + 1] = correct;
  }

  readStats(parity: number, replica: number): { loss: number; correct: number } {
    return { loss: this.statViews[parity][2 * replica], correct: this.statViews[parity][2 * replica + 1] };
  }

  /** The shard's samples and labels, as views (no copy). */
  shard(start: number, count: number): { x: Float32Array; y: Int32Array; n: number } {
    const size = this.init.sampleSize;
    return { x: this.x.subarray(start * size, (start + count) * size), y: this.y.subarray(start, start + count), n: count };
  }
}
