import type { DatasetName } from '@trainyard/contracts';
import { pct } from '../format';

const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

export const classNames = (dataset: DatasetName, count: number): string[] =>
  dataset === 'cifar10' && count === CIFAR10_CLASSES.length ? CIFAR10_CLASSES : Array.from({ length: count }, (_, i) => String(i));

/** Rows are the true class, columns the prediction; each cell is shaded by its share of the row. */
export function ConfusionMatrix({ matrix, labels }: { matrix: number[][]; labels: string[] }) {
  return (
    <div class="confusion" data-testid="confusion-matrix">
      <table>
        <thead>
          <tr>
            <th class="corner">
              <span>true ↓ · predicted →</span>
            </th>
            {labels.map((l) => (
              <th key={l} scope="col">
                {l}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {matrix.map((row, i) => {
            const total = row.reduce((a, b) => a + b, 0) || 1;
            return (
              <tr key={i}>
                <th scope="row">{labels[i]}</th>
                {row.map((count, j) => {
                  const share = count / total;
                  const hue = i === j ? '37, 99, 235' : '220, 38, 38';
                  return (
                    <td
                      key={j}
                      class="cm-cell"
                      title={`true ${labels[i]}, predicted ${labels[j]}: ${count} (${pct(share, 1)} of ${labels[i]})`}
                      style={{ background: count ? `rgba(${hue}, ${0.12 + 0.88 * share})` : undefined, color: share > 0.5 ? '#fff' : undefined }}
                    >
                      {count || ''}
                    </td>
                  );
                })}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

export function PerClassAccuracy({ values, labels }: { values: number[]; labels: string[] }) {
  return (
    <ul class="per-class" data-testid="per-class">
      {values.map((v, i) => (
        <li key={i}>
          <span class="per-class-label">{labels[i]}</span>
          <span class="per-class-bar">
            <span style={{ width: `${Math.max(0, Math.min(1, v)) * 100}%` }} />
          </span>
          <span class="per-class-value">{pct(v, 1)}</span>
        </li>
      ))}
    </ul>
  );
}
