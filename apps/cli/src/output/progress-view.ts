import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import type { ExperimentEventBody } from '@trainyard/contracts';

export interface ProgressView {
  onEvent(label: string, event: ExperimentEventBody): void;
  stop(): void;
}

const fmt = (v: number | undefined, digits = 4) => (v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(digits));

/** Progress bars on a terminal (one per run), plain lines per epoch elsewhere (logs, CI, pipes). */
export function createProgressView(stream: NodeJS.WriteStream = process.stderr): ProgressView {
  return stream.isTTY ? new BarsView(stream) : new LinesView(stream);
}

class BarsView implements ProgressView {
  private readonly multi: MultiBar;
  private readonly bars = new Map<string, SingleBar>();

  constructor(stream: NodeJS.WriteStream) {
    this.multi = new MultiBar(
      {
        stream,
        clearOnComplete: false,
        hideCursor: true,
        format: '{label} |{bar}| epoch {epoch}/{epochs} batch {value}/{total} loss {loss} acc {acc} {rate} img/s {status}',
      },
      Presets.shades_classic,
    );
  }

  onEvent(label: string, e: ExperimentEventBody): void {
    let bar = this.bars.get(label);
    if (!bar) {
      bar = this.multi.create(1, 0, { label: label.padEnd(28), epoch: 0, epochs: '?', loss: '-', acc: '-', rate: '-', status: '' });
      this.bars.set(label, bar);
    }
    switch (e.type) {
      case 'queued':
        bar.update(0, { status: `queued (position ${e.position})` });
        break;
      case 'started':
        bar.setTotal(e.batches);
        bar.update(0, { epoch: 1, epochs: e.epochs, status: `on ${e.backend}` });
        break;
      case 'progress':
        bar.setTotal(e.batches);
        bar.update(e.batch, { epoch: e.epoch, epochs: e.epochs, loss: fmt(e.loss), acc: fmt(e.accuracy, 3), rate: Math.round(e.samplesPerSec), status: '' });
        break;
      case 'epoch':
        bar.update({ status: `test acc ${(e.testAccuracy * 100).toFixed(2)}%` });
        break;
      case 'completed':
        bar.update(bar.getTotal(), { status: `done: ${(e.result.testAccuracy * 100).toFixed(2)}%` });
        break;
      case 'failed':
        bar.update({ status: `FAILED: ${e.error}` });
        break;
      case 'cancelled':
        bar.update({ status: 'cancelled' });
        break;
    }
  }

  stop(): void {
    this.multi.stop();
  }
}

class LinesView implements ProgressView {
  constructor(private readonly stream: NodeJS.WriteStream) {}

  onEvent(label: string, e: ExperimentEventBody): void {
    const line = (text: string): void => void this.stream.write(`${label}: ${text}\n`);
    switch (e.type) {
      case 'started':
        return line(`started on ${e.backend}: ${e.params} params, ${e.trainSamples} train / ${e.testSamples} test samples, ${e.epochs} epoch(s) of ${e.batches} batches`);
      case 'epoch':
        return line(
          `epoch ${e.epoch}/${e.epochs}: train loss ${fmt(e.trainLoss)}, test loss ${fmt(e.testLoss)}, test acc ${(e.testAccuracy * 100).toFixed(2)}%, ${Math.round(e.samplesPerSec)} img/s, ${e.seconds.toFixed(1)} s`,
        );
      case 'completed':
        return line(`completed: test accuracy ${(e.result.testAccuracy * 100).toFixed(2)}% (${e.result.correct}/${e.result.testSamples})`);
      case 'failed':
        return line(`failed: ${e.error}`);
      case 'cancelled':
        return line('cancelled');
      case 'resumed':
        return line(`resumed from its checkpoint at epoch ${e.fromEpoch}, batch ${e.fromBatch}`);
      case 'queued':
        return line(`queued at position ${e.position}`);
      default:
        return undefined;
    }
  }

  stop(): void {}
}
