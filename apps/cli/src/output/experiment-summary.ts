import {
  compareToCourse,
  describeDifference,
  matchesRunFilter,
  newestFirst,
  shortId,
  type EpochSummary,
  type ExperimentEvent,
  type ExperimentSpec,
  type ExperimentView,
  type RunFilter,
} from '@trainyard/contracts';
import { wrapItems, wrapText } from './wrap-text';

const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
const num = (v: number, digits = 4) => (Number.isFinite(v) ? v.toFixed(digits) : '-');
const two = (n: number) => String(n).padStart(2, '0');

/** A local date and time to the minute, `2026-12-01 03:12`: short enough for a table column. */
export function localTime(iso: string | undefined): string {
  if (!iso) return '-';
  const d = new Date(iso);
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`;
}

/** The spec's settings a student compares runs by, in one line each for model, data and training. */
export function specHighlights(spec: ExperimentSpec): { model: string; data: string; training: string } {
  const m = spec.model;
  const model = m.type === 'fc2layer' ? `fc2layer (hidden ${m.hidden})` : m.type === 'cnn' ? `cnn (features ${m.features}, head ${m.head})` : m.type === 'vgg16' ? `vgg16 (head ${m.head})` : m.type;
  const data = [
    spec.dataset,
    spec.limit !== undefined ? `first ${spec.limit} training images` : undefined,
    spec.testLimit !== undefined ? `first ${spec.testLimit} test images` : undefined,
    spec.permutePixels !== false ? `pixels permuted (seed ${spec.permutePixels})` : undefined,
  ].filter(Boolean);
  const o = spec.optimizer;
  const t = spec.transforms;
  const training = [
    `${spec.epochs} epoch(s)`,
    `batch ${spec.batchSize}`,
    o.type === 'sgd' ? `sgd lr ${o.lr} momentum ${o.momentum}` : `adam lr ${o.lr}`,
    spec.shuffle ? 'shuffled' : 'not shuffled',
    t.normalize ? `normalize ${t.normalize.mean.join('/')} ± ${t.normalize.std.join('/')}` : 'no normalisation',
    t.randomCrop ? `random crop (padding ${t.randomCrop.padding})` : undefined,
    t.horizontalFlip ? 'horizontal flip' : undefined,
    `seed ${spec.seed}`,
  ].filter(Boolean);
  return { model, data: data.join(', '), training: training.join(', ') };
}

/** Plain aligned columns: the header, then each row; the last column is left ragged. */
export function columns(header: string[], rows: string[][], right: ReadonlySet<number> = new Set()): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : right.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** The epochs a run has finished: the result's when it completed, else its `epoch` events. */
export function finishedEpochs(e: ExperimentView, events: ExperimentEvent[] = []): EpochSummary[] {
  if (e.result) return e.result.epochs;
  return events.flatMap((ev) => (ev.type === 'epoch' ? [ev] : []));
}

/** The data-set warnings of a run's `started` events (every attempt sends the same), each once. */
export function runWarnings(events: ExperimentEvent[]): string[] {
  return [...new Set(events.flatMap((ev) => (ev.type === 'started' ? (ev.warnings ?? []) : [])))];
}

/**
 * `trainyard show`: what a student asks of one run, in about 20 lines: status and times, model,
 * data (with the warnings of its `started` events, e.g. a set that is not the canonical one),
 * training settings, a table per epoch, the result, and the failure reason whole, wrapped to
 * `width` columns. `adminNote` is in the API's answer to admins only, so whoever sees it here
 * is a TA: it is printed as "TA note".
 */
export function formatExperiment(e: ExperimentView, events: ExperimentEvent[] = [], width = 100): string {
  const h = specHighlights(e.spec);
  const where =
    e.status === 'queued' && e.position ? `, position ${e.position} in the queue${e.estimatedStartAt ? `, starts about ${localTime(e.estimatedStartAt)}` : ''}` : '';
  const times = [`created ${localTime(e.createdAt)}`, e.startedAt ? `started ${localTime(e.startedAt)}` : undefined, e.finishedAt ? `finished ${localTime(e.finishedAt)}` : undefined];
  // Prose (a failure, a note, a warning) wraps at spaces; a list of settings only between items.
  const field = (name: string, value: string) => wrapText(`${name.padEnd(10)}${value}`, width, ' '.repeat(10)).join('\n');
  const list = (name: string, value: string) => wrapItems(name.padEnd(10), value.split(', '), width, ' '.repeat(10)).join('\n');
  const out = [
    `${e.spec.name ?? e.spec.model.type}  ${e.id}`,
    field('status', `${e.status}${where}${e.cancelRequested && e.status === 'running' ? ' (cancel requested)' : ''}`),
    list('times', times.filter(Boolean).join(', ')),
    list('owner', e.owner + (e.suite ? `, suite ${e.suite}` : '')),
    list('model', h.model),
    list('data', h.data),
    ...runWarnings(events).map((w) => field('warning', w)),
    list('training', h.training),
  ];
  if (e.worker || e.backend) out.push(list('worker', [e.worker, e.backend ? `backend ${e.backend}` : undefined, threadsText(events)].filter(Boolean).join(', ')));
  const epochs = finishedEpochs(e, events);
  if (epochs.length) {
    out.push(
      '',
      columns(
        ['epoch', 'train loss', 'train acc', 'test loss', 'test acc', 'img/s', 'seconds'],
        epochs.map((s) => [`${s.epoch}/${e.spec.epochs}`, num(s.trainLoss), pct(s.trainAccuracy), num(s.testLoss), pct(s.testAccuracy), String(Math.round(s.samplesPerSec)), s.seconds.toFixed(1)]),
        new Set([0, 1, 2, 3, 4, 5, 6]),
      ),
    );
  }
  if (e.result) {
    const r = e.result;
    out.push('', list('result', `test accuracy ${pct(r.testAccuracy)} (${r.correct}/${r.testSamples}), test loss ${num(r.testLoss)}, ${r.params} params, ${Math.round(r.samplesPerSec)} img/s on ${r.backend}, ${r.seconds.toFixed(1)} s`));
  }
  if (e.error) out.push('', field(e.status === 'cancelled' ? 'cancelled' : 'failed', e.error));
  if (e.adminNote) out.push('', field('TA note', e.adminNote));
  return out.join('\n');
}

/** How far a run got, for `trainyard list`: epoch x/y and the share of its batches, or its place in the queue. */
export function progressOf(e: ExperimentView, last?: ExperimentEvent): string {
  const epochs = e.spec.epochs;
  if (e.status === 'completed') return `${epochs}/${epochs} 100%`;
  if (e.status === 'queued') return e.position ? `#${e.position} in queue` : 'queued';
  if (last?.type === 'progress') {
    const done = (last.epoch - 1 + last.batch / last.batches) / last.epochs;
    return `${last.epoch}/${last.epochs} ${Math.floor(done * 100)}%`;
  }
  if (last?.type === 'epoch') return `${last.epoch}/${last.epochs} ${Math.floor((last.epoch / last.epochs) * 100)}%`;
  return e.status === 'running' ? `0/${epochs} 0%` : '-';
}

/**
 * A run's name as a list shows it: its preset's name for a run of the preset, and for a variant
 * what it changed, from the course table's own comparison (`CNN [shuffle: true → false]`).
 */
export function runLabel(spec: ExperimentSpec): string {
  const name = spec.name ?? spec.model.type;
  const differences = compareToCourse(spec)?.differences ?? [];
  return differences.length ? `${name} [${differences.map(describeDifference).join('; ')}]` : name;
}

/** The runs `trainyard list` shows: those the filter matches, newest first, a suite in course order (as the dashboard lists them). */
export function listedRuns(rows: readonly ExperimentView[], filter: RunFilter): ExperimentView[] {
  return rows.filter((r) => matchesRunFilter(r, filter)).sort(newestFirst);
}

/**
 * `trainyard list`: a header, then one line per run (short id, owner when `owner`: a TA's list
 * holds the whole class, created, status, progress, run, data, result).
 */
export function formatList(rows: ExperimentView[], lastEvents: ReadonlyMap<string, ExperimentEvent> = new Map(), { owner = false } = {}): string {
  const header = ['ID', ...(owner ? ['OWNER'] : []), 'CREATED', 'STATUS', 'PROGRESS', 'RUN', 'DATA', 'RESULT'];
  return columns(
    header,
    rows.map((e) => [
      shortId(e.id),
      ...(owner ? [e.owner] : []),
      localTime(e.createdAt),
      e.status,
      progressOf(e, lastEvents.get(e.id)),
      runLabel(e.spec),
      e.spec.dataset + (e.spec.limit !== undefined ? ` (${e.spec.limit})` : ''),
      e.result ? pct(e.result.testAccuracy) : e.error ? firstLine(e.error, 40) : '',
    ]),
  );
}

const firstLine = (text: string, max: number) => {
  const line = text.split('\n')[0];
  return line.length > max ? `${line.slice(0, max - 1)}… (trainyard show)` : line;
};

/** "2 threads": what trains the run, from its latest `started` event; undefined when none says (earlier versions). */
function threadsText(events: readonly ExperimentEvent[]): string | undefined {
  const threads = events.filter((ev): ev is Extract<ExperimentEvent, { type: 'started' }> => ev.type === 'started').at(-1)?.threads;
  return threads === undefined ? undefined : `${threads} thread${threads === 1 ? '' : 's'}`;
}
