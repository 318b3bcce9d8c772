// The registry's audit for changes no HTTP user made: the node's start (actor 'system') and the
// CLI (actor 'cli:<login name>'). Same rows as the API's ctx.audit, without a user id or address.
import type { Database } from '../db/index.js';
import type { RegistryAudit } from './registry.js';

export function systemAudit(db: Database, actor: string): RegistryAudit {
  return async (action, subject, detail, outcome = 'ok') => {
    await db.auditEvent.create({
      data: { at: new Date(), actor, action, subject, outcome, detailJson: detail === undefined ? null : JSON.stringify(detail) },
    });
  };
}
