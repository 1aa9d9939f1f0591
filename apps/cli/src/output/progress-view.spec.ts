import { Writable } from 'node:stream';
import { createProgressView } from './progress-view';

/** A stream that keeps what is written to it. */
function recording() {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  }) as unknown as NodeJS.WriteStream;
  return { stream, text: () => text };
}

// A terminal 60 columns wide, as cli-progress sees one: it cuts each bar's line at that width.
function fakeTerminal(columns: number) {
  const { stream, text } = recording();
  Object.assign(stream, { isTTY: true, columns, cursorTo: () => true, moveCursor: () => true, clearLine: () => true, clearScreenDown: () => true });
  // eslint-disable-next-line no-control-regex
  return { stream, text: () => text().replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '') };
}

describe('progress view on a terminal', () => {
  it('prints a failed run’s whole reason, wrapped to the terminal width, once the bars stop', () => {
    const term = fakeTerminal(60);
    const view = createProgressView(term.stream);
    const reason = 'CIFAR-10 files are missing: /srv/trainyard/.trainyard/data/cifar10/cifar-10-batches-bin/data_batch_1.bin (ask your TA to run trainyard data fetch cifar10)';
    view.onEvent('CNN', { type: 'started', backend: 'cpu', params: 6422, trainSamples: 64, testSamples: 32, epochs: 1, batches: 1 });
    view.onEvent('CNN', { type: 'failed', error: reason });
    view.stop();
    const out = term.text();
    const tail = out.slice(out.indexOf('CNN failed:'));
    expect(tail.replace(/\s+/g, '')).toContain(`CNNfailed:${reason.replace(/\s+/g, '')}`);
    for (const line of tail.split('\n')) expect(line.length).toBeLessThanOrEqual(60);
  });
});

describe('the live bar', () => {
  it('shows the epoch-so-far train accuracy as a percentage, as every other accuracy is shown', () => {
    const term = emulatedTerminal(200);
    const view = createProgressView(term.stream);
    view.onEvent('CNN', { type: 'started', backend: 'cpu', params: 6422, trainSamples: 64, testSamples: 32, epochs: 8, batches: 125 });
    view.onEvent('CNN', { type: 'progress', epoch: 4, epochs: 8, batch: 80, batches: 125, loss: 1.0671, batchAccuracy: 0.6, runningAccuracy: 0.6219, samplesPerSec: 6658 } as never);
    view.stop();
    const bar = term.lines().find((l) => l.startsWith('CNN'))!;
    expect(bar).toContain('train acc 62.2% (epoch so far)');
    expect(bar).not.toMatch(/0\.622/);
  });
});

describe('where a run trains', () => {
  const started = { type: 'started', backend: 'wasm', threads: 2, params: 6422, trainSamples: 64, testSamples: 32, epochs: 2, batches: 125 } as const;
  const progress = { type: 'progress', epoch: 1, epochs: 2, batch: 80, batches: 125, loss: 1.0671, batchAccuracy: 0.6, runningAccuracy: 0.6219, samplesPerSec: 6658 } as never;

  it('stays on the live bar, backend and threads, after progress and an epoch replace its status', () => {
    const term = emulatedTerminal(240);
    const view = createProgressView(term.stream);
    view.onEvent('CNN', started);
    view.onEvent('CNN', progress);
    view.onEvent('CNN', { type: 'epoch', epoch: 1, epochs: 2, trainLoss: 1, testLoss: 1, testAccuracy: 0.5, samplesPerSec: 6000, seconds: 1 } as never);
    view.onEvent('CNN', progress);
    view.stop();
    const bars = term.lines().filter((l) => l.startsWith('CNN'));
    expect(bars).toHaveLength(1);
    expect(bars[0]).toContain('6658 img/s on wasm (2 threads)');
  });

  it('names the threads in the plain started line, and the backend alone for a run that reports none', () => {
    const { stream, text } = recording();
    const view = createProgressView(stream);
    view.onEvent('CNN', started);
    view.onEvent('FC', { ...started, backend: 'tensorflow', threads: undefined });
    view.onEvent('One', { ...started, threads: 1 });
    expect(text()).toMatch(/^CNN: started on wasm \(2 threads\): /m);
    expect(text()).toMatch(/^FC: started on tensorflow: /m);
    expect(text()).toMatch(/^One: started on wasm \(1 thread\): /m);
  });
});

/**
 * What a terminal `columns` wide shows after the view wrote to it: the ANSI sequences
 * cli-progress and readline use (cursor up/down, column, clear line, clear below; wrapping on or
 * off) applied to a grid of lines, so a test reads the screen, not the stream of redraws.
 */
function emulatedTerminal(columns: number) {
  const screen: string[] = [''];
  let row = 0;
  let col = 0;
  let wrap = true;
  const put = (ch: string) => {
    if (col >= columns) {
      if (!wrap) return;
      row++;
      col = 0;
    }
    while (screen.length <= row) screen.push('');
    const line = screen[row].padEnd(col);
    screen[row] = line.slice(0, col) + ch + line.slice(col + 1);
    col++;
  };
  const stream = new Writable({
    write(chunk, _enc, done) {
      const text = String(chunk);
      // eslint-disable-next-line no-control-regex
      const re = /\x1b\[(\??)([0-9;]*)([A-Za-z])|([\s\S])/g;
      for (let m = re.exec(text); m; m = re.exec(text)) {
        const [, priv, arg, cmd, ch] = m;
        const n = arg === '' ? undefined : Number(arg);
        if (ch === '\n') {
          row++;
          col = 0;
          while (screen.length <= row) screen.push('');
        } else if (ch === '\r') col = 0;
        else if (ch !== undefined) put(ch);
        else if (priv && n === 7) wrap = cmd === 'h';
        else if (priv) continue;
        else if (cmd === 'A') row = Math.max(0, row - (n ?? 1));
        else if (cmd === 'B') row += n ?? 1;
        else if (cmd === 'G') col = (n ?? 1) - 1;
        else if (cmd === 'K') screen[row] = n === 2 ? '' : n === 1 ? ' '.repeat(col) + screen[row].slice(col) : screen[row].slice(0, col);
        else if (cmd === 'J') {
          screen.splice(row + 1);
          screen[row] = screen[row].slice(0, col);
        }
        while (screen.length <= row) screen.push('');
      }
      done();
    },
  }) as unknown as NodeJS.WriteStream;
  Object.assign(stream, { isTTY: true, columns });
  return { stream, lines: () => screen.map((l) => l.trimEnd()).filter((l, i, all) => l || all.slice(i).some(Boolean)) };
}

describe('a run on a data set that is not the canonical one', () => {
  const warning =
    "This server's CIFAR-10 is not the canonical set: 10,000 train / 10,000 test images instead of 50,000 / 10,000, so results are not comparable with the published ones.";
  const started = { type: 'started', backend: 'cpu', params: 6422, trainSamples: 10_000, testSamples: 10_000, epochs: 1, batches: 4 } as const;

  it("shows the warning once, whole, directly under that run's bar, on a terminal", () => {
    const term = emulatedTerminal(60);
    const view = createProgressView(term.stream);
    view.onEvent('CNN', { type: 'queued', position: 1 });
    view.onEvent('VGG', { type: 'queued', position: 2 });
    view.onEvent('FC', { type: 'queued', position: 3 });
    view.onEvent('VGG', { ...started, warnings: [warning] });
    view.onEvent('CNN', started);
    view.onEvent('VGG', { type: 'progress', epoch: 1, epochs: 1, batch: 2, batches: 4, loss: 1.5, batchAccuracy: 0.5, runningAccuracy: 0.4, samplesPerSec: 100 } as never);
    // A retried or resumed run starts again, with the same warning.
    view.onEvent('VGG', { ...started, warnings: [warning] });
    view.stop();
    const lines = term.lines();
    const labels = lines.map((l) => (/^(CNN|VGG|FC)\s+\|/.exec(l) ?? [])[1] ?? (l.startsWith('  ') ? 'note' : l));
    expect(labels).toEqual(['CNN', 'VGG', 'note', 'note', 'note', 'note', 'FC']);
    const note = lines.slice(2, 6).map((l) => l.trim()).join(' ');
    expect(note).toBe(`warning: ${warning}`);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(60);
  });

  it('prints the warning once, after the started line, in plain output', () => {
    const { stream, text: written } = recording();
    const view = createProgressView(stream);
    view.onEvent('VGG', { ...started, warnings: [warning] });
    view.onEvent('VGG', { ...started, warnings: [warning] });
    view.stop();
    const text = written();
    expect(text.split('\n').filter((l) => l.includes('not the canonical set'))).toEqual([`VGG: warning: ${warning}`]);
    expect(text.indexOf('VGG: started')).toBeLessThan(text.indexOf('VGG: warning'));
  });
});
