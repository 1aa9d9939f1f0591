// Helpers shared by the unit specs beside the code and the e2e specs in test/. What only the e2e
// specs use (service stacks, worker processes, browsers) stays in test/support.
export * from './ensure-built';
export * from './fixtures';
export * from './hostile-bodies';
export * from './spec-issues';
export * from './test-redis';
export * from './until';
