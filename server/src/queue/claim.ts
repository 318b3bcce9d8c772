// The one raw statement of the queue: take the next due job atomically.
//
// A single UPDATE … WHERE id = (SELECT … LIMIT 1) RETURNING is atomic on SQLite: an
// autocommit write takes the database write lock before it reads, so a second process (or
// a second connection in this one) waits on busy_timeout and then sees the first claim
// committed. A transaction (SELECT, then UPDATE) would not do: see database.ts on why
// Prisma transactions are avoided, and a deferred transaction that reads before writing can
// fail with SQLITE_BUSY_SNAPSHOT instead of waiting.
//
// The SQL is standard (double-quoted identifiers, RETURNING) and runs on PostgreSQL too. There
// the outer WHERE repeats the claimable condition on purpose: under READ COMMITTED a second
// claimer that picked the same id re-checks the updated row and matches nothing, so a job is
// never claimed twice; add FOR UPDATE SKIP LOCKED to the inner SELECT there so claimers skip
// each other's rows instead of colliding.
import { Prisma, type Job as JobRow } from '@prisma/client';
import type { Database } from '../db/database.js';

/**
 * Due: queued or failed (retry backoff elapsed) with nextRunAt <= now, or processing with an
 * expired lease (the worker died or hung) and attempts left. Exhausted expired leases are
 * dead-lettered by the queue instead (PrismaJobQueue.deadLetterExpired).
 */
function claimable(now: Date): Prisma.Sql {
  return Prisma.sql`(("state" IN ('queued', 'failed') AND "nextRunAt" <= ${now})
    OR ("state" = 'processing' AND "leaseExpiresAt" <= ${now} AND "attempts" < "maxAttempts"))`;
}

/**
 * Claims the oldest due job for `workerId` until `leaseUntil`, counting the attempt. Shadow jobs
 * (a candidate model's results, kept for review) come after every due primary or reprocess
 * job, so shadow mode never makes a radiograph wait for its own result longer than the one
 * shadow run already in progress.
 * Returns the claimed row (RETURNING *, typed by the driver adapter exactly as Prisma's own
 * reads), or null when nothing is due.
 */
export async function claimNextJob(db: Database, workerId: string, now: Date, leaseUntil: Date): Promise<JobRow | null> {
  const rows = await db.$queryRaw<JobRow[]>`
    UPDATE "Job"
       SET "state" = 'processing', "attempts" = "attempts" + 1, "leaseOwner" = ${workerId},
           "leaseExpiresAt" = ${leaseUntil}, "updatedAt" = ${now}
     WHERE "id" = (SELECT "id" FROM "Job" WHERE ${claimable(now)} ORDER BY CASE WHEN "role" = 'shadow' THEN 1 ELSE 0 END, "nextRunAt" LIMIT 1)
       AND ${claimable(now)}
    RETURNING *`;
  return rows[0] ?? null;
}
