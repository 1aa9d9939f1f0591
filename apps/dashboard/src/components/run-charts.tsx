import type { RunCurves } from '../state/run-state';
import { LineChart, type ChartSeries } from './line-chart';

export const PALETTE = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#4b5563'];

/**
 * One run's loss and accuracy: per batch as a line, per epoch (train and test) as points. Training
 * accuracy is drawn twice: the reported batch's own (noisy) and the epoch's running mean so far
 * (smooth, restarting each epoch): the two things a progress event carries.
 */
export function RunCharts({ curves }: { curves: RunCurves }) {
  const loss: ChartSeries[] = [
    { label: 'train loss (batch)', color: PALETTE[0], ...curves.batchLoss },
    { label: 'train loss (epoch)', color: '#1e3a8a', points: true, ...curves.trainLoss },
    { label: 'test loss (epoch)', color: PALETTE[1], points: true, ...curves.testLoss },
  ];
  const accuracy: ChartSeries[] = [
    { label: 'train accuracy, this batch', color: '#86efac', ...curves.batchAccuracy },
    { label: 'train accuracy, epoch so far (running mean)', color: PALETTE[2], ...curves.runningAccuracy },
    { label: 'train accuracy (epoch)', color: '#065f46', points: true, ...curves.trainAccuracy },
    { label: 'test accuracy (epoch)', color: PALETTE[1], points: true, ...curves.testAccuracy },
  ];
  return (
    <div class="charts">
      <LineChart title="Loss" xLabel="epoch" yLabel="loss" series={loss} testId="loss-chart" />
      <LineChart title="Accuracy" xLabel="epoch" yLabel="accuracy" series={accuracy} percent testId="accuracy-chart" />
    </div>
  );
}
