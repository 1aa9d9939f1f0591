import type { Principal } from '@trainyard/contracts';

// The caller, a Principal, is attached to the HTTP request and to `socket.data` once authenticated.

export const isAdmin = (p: Principal) => p.role === 'admin';

/** The one ownership rule: students reach their own experiments, admins reach all. */
export const canAccess = (p: Principal, resource: { owner: string }) => isAdmin(p) || resource.owner === p.name;
