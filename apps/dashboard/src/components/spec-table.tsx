import type { ExperimentSpec } from '@trainyard/contracts';
import { flattenSpec } from '../state/spec-variant';

export function SpecTable({ spec, highlight }: { spec: ExperimentSpec; highlight?: Set<string> }) {
  return (
    <table class="spec-table">
      <tbody>
        {flattenSpec(spec).map(([k, v]) => (
          <tr key={k} class={highlight?.has(k) ? 'changed' : undefined}>
            <th>{k}</th>
            <td>{v}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
