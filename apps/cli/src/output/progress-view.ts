import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import type { ExperimentEventBody } from '@trainyard/contracts';
import { terminalWidth, wrapText } from './wrap-text';

export interface ProgressView {
  onEvent(label: string, event: ExperimentEventBody): void;
  stop(): void;
}

const fmt = (v: number | undefined, digits = 4) => (v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(digits));
/** An accuracy as the rest of the CLI shows one (`62.2%`); one decimal is enough for a live bar. */
const percent = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '-' : `${(v * 100).toFixed(1)}%`);

/**
 * Where a run trains, as every view and summary names it: `wasm (2 threads)`; the backend alone
 * for an event or result without `threads` (runs of earlier versions).
 */
export const trainedOn = (backend: string, threads: number | undefined): string =>
  `${backend}${threads ? ` (${threads} thread${threads === 1 ? '' : 's'})` : ''}`;

/** Progress bars on a terminal (one per run), plain lines per epoch elsewhere (logs, CI, pipes). */
export function createProgressView(stream: NodeJS.WriteStream = process.stderr): ProgressView {
  return stream.isTTY ? new BarsView(stream) : new LinesView(stream);
}

type BarPayload = Record<string, string | number>;

/** One run on screen: its bar, and the lines of its data-set warning just beneath it. */
interface Row {
  bar: SingleBar;
  /** What the bar shows, kept here so the bar can be drawn again in place (see placeWarning). */
  value: number;
  total: number;
  payload: BarPayload;
  warning?: string[];
  notes: SingleBar[];
}

class BarsView implements ProgressView {
  private readonly multi: MultiBar;
  /** In display order (cli-progress draws its bars in the order they were created). */
  private readonly rows = new Map<string, Row>();
  /** Failure reasons, printed whole below the bars: a bar's line is cut at the terminal's width. */
  private readonly failures: { label: string; error: string }[] = [];

  constructor(private readonly stream: NodeJS.WriteStream) {
    this.multi = new MultiBar(
      {
        stream,
        clearOnComplete: false,
        hideCursor: true,
        format: '{label} |{bar}| epoch {epoch}/{epochs} batch {value}/{total} batch loss {loss} train acc {acc} (epoch so far) {rate} img/s{where} {status}',
      },
      Presets.shades_classic,
    );
  }

  onEvent(label: string, e: ExperimentEventBody): void {
    let row = this.rows.get(label);
    if (!row) {
      const payload: BarPayload = { label: label.padEnd(28), epoch: 0, epochs: '?', loss: '-', acc: '-', rate: '-', where: '', status: '' };
      row = { bar: this.multi.create(1, 0, payload), value: 0, total: 1, payload, notes: [] };
      this.rows.set(label, row);
    }
    switch (e.type) {
      case 'queued':
        this.update(row, 0, { status: `queued (position ${e.position})` });
        break;
      case 'started':
        this.setTotal(row, e.batches);
        // Kept on the bar (status is replaced by each event): the backend and threads, once, as the piped `started` line says.
        this.update(row, 0, { epoch: 1, epochs: e.epochs, where: ` on ${trainedOn(e.backend, e.threads)}`, status: '' });
        // Once per run: a retried or resumed run sends `started` again with the same warnings.
        if (e.warnings?.length && !row.warning) this.placeWarning(label, row, e.warnings);
        break;
      case 'progress':
        this.setTotal(row, e.batches);
        this.update(row, e.batch, { epoch: e.epoch, epochs: e.epochs, loss: fmt(e.loss), acc: percent(e.runningAccuracy), rate: Math.round(e.samplesPerSec), status: '' });
        break;
      case 'epoch':
        this.update(row, undefined, { status: `test acc ${(e.testAccuracy * 100).toFixed(2)}%` });
        break;
      case 'completed':
        this.update(row, row.total, { status: `done: ${(e.result.testAccuracy * 100).toFixed(2)}%` });
        break;
      case 'failed':
        this.update(row, undefined, { status: 'FAILED (reason below)' });
        this.failures.push({ label, error: e.error });
        break;
      case 'cancelled':
        this.update(row, undefined, { status: 'cancelled' });
        break;
    }
  }

  private update(row: Row, value: number | undefined, payload: BarPayload): void {
    if (value !== undefined) row.value = value;
    Object.assign(row.payload, payload);
    row.bar.update(row.value, payload);
  }

  private setTotal(row: Row, total: number): void {
    row.total = total;
    row.bar.setTotal(total);
  }

  /**
   * Shows `warnings` on lines of their own directly beneath the run's bar, wrapped to the
   * terminal so nothing is cut. cli-progress only appends lines at the bottom, so the rows below
   * this one are removed and drawn again after the warning, from their kept state.
   */
  private placeWarning(label: string, row: Row, warnings: string[]): void {
    const width = terminalWidth(this.stream);
    row.warning = warnings.flatMap((w) => wrapText(`warning: ${w}`, width - 2, '  ').map((line) => `  ${line}`));
    const below = [...this.rows.entries()].slice([...this.rows.keys()].indexOf(label) + 1).map(([, r]) => r);
    for (const r of below) [r.bar, ...r.notes].forEach((b) => this.multi.remove(b));
    this.drawNotes(row);
    for (const r of below) {
      r.bar = this.multi.create(r.total, r.value, r.payload);
      this.drawNotes(r);
    }
  }

  private drawNotes(row: Row): void {
    row.notes = (row.warning ?? []).map((line) => this.multi.create(1, 0, { note: line }, { format: '{note}' }));
  }

  stop(): void {
    this.multi.stop();
    for (const f of this.failures.splice(0)) {
      this.stream.write(`${wrapText(`${f.label.trim()} failed: ${f.error}`, terminalWidth(this.stream), '  ').join('\n')}\n`);
    }
  }
}

class LinesView implements ProgressView {
  /** Runs whose data-set warning was printed: once per run, though a retried run sends `started` again. */
  private readonly warned = new Set<string>();

  constructor(private readonly stream: NodeJS.WriteStream) {}

  onEvent(label: string, e: ExperimentEventBody): void {
    const line = (text: string): void => void this.stream.write(`${label}: ${text}\n`);
    switch (e.type) {
      case 'started':
        line(`started on ${trainedOn(e.backend, e.threads)}: ${e.params} params, ${e.trainSamples} train / ${e.testSamples} test samples, ${e.epochs} epoch(s) of ${e.batches} batches`);
        if (e.warnings?.length && !this.warned.has(label)) {
          this.warned.add(label);
          for (const warning of e.warnings) line(`warning: ${warning}`);
        }
        return;
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
