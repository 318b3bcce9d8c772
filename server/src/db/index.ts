export { listAudit, jobSubject, recordAudit, type AuditInput } from './audit.js';
export { migrateDatabase, openDatabase, type Database, type DatabaseConfig, type MigrateOptions } from './database.js';
export { createIngestSink, type IngestSinkDeps, type JobSpec } from './ingest-sink.js';
export { instancePath, recordInstance, type RecordedInstance, type Selection } from './instances.js';
export { readMigrations, type Migration } from './migrations.js';
export type { MigrationReport } from './sqlite.js';
