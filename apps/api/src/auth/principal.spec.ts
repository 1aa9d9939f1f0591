import { canAccess } from './principal';

describe('canAccess', () => {
  const exp = { owner: 'alice' };
  it('lets owners and admins in, and no one else', () => {
    expect(canAccess({ name: 'alice', role: 'student' }, exp)).toBe(true);
    expect(canAccess({ name: 'bob', role: 'student' }, exp)).toBe(false);
    expect(canAccess({ name: 'ta', role: 'admin' }, exp)).toBe(true);
    expect(canAccess({ name: 'Alice', role: 'student' }, exp)).toBe(false);
  });
});
