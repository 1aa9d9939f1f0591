export const ROLES = ['student', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling: attached to the HTTP request and to `socket.data` once authenticated. */
export interface Principal {
  name: string;
  role: Role;
}

export const isAdmin = (p: Principal) => p.role === 'admin';

/** The one ownership rule: students reach their own experiments, admins reach all. */
export const canAccess = (p: Principal, resource: { owner: string }) => isAdmin(p) || resource.owner === p.name;
