// The registry's audit for changes no HTTP user made: the node's start (actor 'system') and the
// CLI (actor 'cli:<login name>'). Same rows as the API's ctx.audit, without a user id or address.
import type { Database } from '../db/index.js';
import { modelSubject } from './records.js';
import type { RegistryAudit } from './registry.js';

export function systemAudit(db: Database, actor: string): RegistryAudit {
  return async (action, subject, detail, outcome = 'ok') => {
    await db.auditEvent.create({
      data: { at: new Date(), actor, action, subject, outcome, detailJson: detail === undefined ? null : JSON.stringify(detail) },
    });
  };
}

/** The actor of the last promotion or rollback to this model: 'system' when the node chose it. */
export function activatedBy(db: Database): (modelId: string) => Promise<string | null> {
  return async (modelId) => {
    const last = await db.auditEvent.findFirst({
      where: { subject: modelSubject(modelId), action: { in: ['model.promote', 'model.rollback'] }, outcome: 'ok' },
      orderBy: [{ at: 'desc' }, { id: 'desc' }],
      select: { actor: true },
    });
    return last?.actor ?? null;
  };
}
