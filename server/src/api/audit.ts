// The audit helper routes get as ctx.audit: every row names the acting user (or 'anonymous'),
// their id, the client address and the outcome. Detail is free-form facts, never patient names.
import type { AuthUser } from '../auth/index.js';
import type { Database } from '../db/index.js';

export type AuditOutcome = 'ok' | 'denied' | 'failed';
export type AuditFn = (action: string, subject: string, detail?: Readonly<Record<string, unknown>>, outcome?: AuditOutcome) => Promise<void>;

export function auditFor(db: Database, user: AuthUser | undefined, ip: string, actorIfAnonymous = 'anonymous'): AuditFn {
  return async (action, subject, detail, outcome = 'ok') => {
    await db.auditEvent.create({
      data: {
        at: new Date(), actor: user?.username ?? actorIfAnonymous, userId: user?.id ?? null, action, subject, outcome, ip,
        detailJson: detail === undefined ? null : JSON.stringify(detail),
      },
    });
  };
}
