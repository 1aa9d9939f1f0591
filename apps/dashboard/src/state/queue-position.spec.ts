import { listRefreshMs, queuePosition, QUEUED_REFRESH_MS } from './queue-position';

// Once seen: "#5 in queue" stayed on the compare page for 48 s while the four runs ahead finished,
// and "#6 in queue" in the runs list: the `queued` event's position won over the list's current one.
describe('queuePosition', () => {
  it("shows the list's current position over the queued event's, which is from when the run was queued", () => {
    expect(queuePosition({ status: 'queued', position: 1 }, { status: 'queued', position: 5 })).toBe(1);
    expect(queuePosition({ status: 'queued' }, { status: 'queued', position: 5 })).toBe(5);
    expect(queuePosition({ status: 'queued', position: 2 })).toBe(2);
  });

  it('shows none once the run has started, whichever source says so first', () => {
    expect(queuePosition({ status: 'queued', position: 1 }, { status: 'running' })).toBeUndefined();
    expect(queuePosition({ status: 'running', position: 1 })).toBeUndefined();
  });
});

describe('listRefreshMs', () => {
  it('refreshes as often as the queue page while a run waits, and at its own pace otherwise', () => {
    expect(listRefreshMs([{ status: 'completed' }, { status: 'queued' }], 10_000)).toBe(QUEUED_REFRESH_MS);
    expect(listRefreshMs([{ status: 'completed' }, { status: 'running' }], 10_000)).toBe(10_000);
    expect(listRefreshMs(undefined, 10_000)).toBe(10_000);
    expect(listRefreshMs([{ status: 'queued' }], 1000)).toBe(1000);
  });
});
