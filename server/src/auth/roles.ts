// Roles, lowest first: a viewer reads and gives feedback, an operator also acts on jobs,
// destinations, rules, training and uploads, an admin also promotes models, deletes and
// manages accounts and settings. A route names the least role it needs.
export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** True when `have` is `need` or above it. */
export function roleAtLeast(have: Role, need: Role): boolean {
  return ROLES.indexOf(have) >= ROLES.indexOf(need);
}

/** Who made a request: a person through a session, or automation through an API token. */
export interface AuthUser {
  readonly id: string;
  readonly username: string;
  readonly displayName: string | null;
  readonly role: Role;
  readonly via: 'session' | 'token';
  /** The session's CSRF token (session requests only). */
  readonly csrfToken?: string;
  readonly sessionId?: string;
  readonly tokenId?: string;
}
