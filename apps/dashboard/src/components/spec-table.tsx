import type { ExperimentSpec } from '@trainyard/contracts';
import { flattenSpec } from '../state/spec-variant';

/** Every field of a spec, `optimizer.lr  0.01`, in two columns. */
export function SpecTable({ spec }: { spec: ExperimentSpec }) {
  return (
    <dl class="spec-list" data-testid="spec">
      {flattenSpec(spec).map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}
