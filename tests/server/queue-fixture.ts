// The queue tests' fixture (queue.test.ts, queue-retry.test.ts): a migrated database per
// test, a queue on a clock the test moves, and a way to make jobs for recorded instances.
import { join } from 'node:path';
import { after } from 'node:test';
import { migrateDatabase, openDatabase, recordInstance, type Database } from '../../server/src/db/index.js';
import { PrismaJobQueue, type JobResult, type NewJob, type PrismaJobQueueOptions } from '../../server/src/queue/index.js';
import { tempDir } from './helpers.js';

export const T0 = Date.UTC(2026, 0, 1, 8, 0, 0);
export const RESULT: JobResult = {
  derivedSopInstanceUid: '2.25.11', derivedSeriesInstanceUid: '2.25.22', derivedPath: '/out/x.dcm',
  guardClippedFraction: 0.001, guardMaxChange: 0.25, guardFlagged: false, held: false, timingsMs: { inferMs: 812.5 },
};

/** A migrated database, a queue on a clock the test moves, and a way to make jobs. */
export interface Fixture {
  db: Database;
  queue: PrismaJobQueue;
  clock: { t: number; advance(ms: number): void };
  newJob(n: number, overrides?: Partial<NewJob>): Promise<NewJob>;
}

/**
 * Call once at the top of a test file: returns the fixture factory, and registers an after()
 * hook that disconnects every database it opened and removes their folder.
 */
export function queueFixtures(): (options?: Omit<PrismaJobQueueOptions, 'now'>) => Promise<Fixture> {
  const tmp = tempDir('sharpxr-queue-');
  const open: Database[] = [];
  after(async () => {
    for (const db of open) await db.$disconnect();
    tmp.cleanup();
  });
  let dbCount = 0;
  return async function fixture(options: Omit<PrismaJobQueueOptions, 'now'> = {}): Promise<Fixture> {
    const url = `file:${join(tmp.dir, `q${++dbCount}.db`)}`;
    await migrateDatabase(url);
    const db = await openDatabase({ url });
    open.push(db);
    const clock = { t: T0, advance(ms: number) { this.t += ms; } };
    const queue = new PrismaJobQueue(db, { ...options, now: () => new Date(clock.t) });
    async function newJob(n: number, overrides: Partial<NewJob> = {}): Promise<NewJob> {
      const instance = await recordInstance(db, {
        sopClassUid: '1.2.840.10008.5.1.4.1.1.1.1', sopInstanceUid: `1.2.9.${n}`, transferSyntaxUid: '1.2.840.10008.1.2.1',
        studyInstanceUid: '1.2.9.100', seriesInstanceUid: '1.2.9.200', path: `/in/${n}.dcm`, sizeBytes: 10,
        callingAeTitle: 'CR1', associationId: 'a', receivedAt: new Date(clock.t),
      }, { selected: true });
      return {
        instanceId: instance.id, sopInstanceUid: instance.sopInstanceUid, studyInstanceUid: instance.studyInstanceUid,
        modelId: 'sharpxr-product', modelVersion: '1.0.0', paramsHash: 'p1', ...overrides,
      };
    }
    return { db, queue, clock, newJob };
  };
}
