-- CreateTable
CREATE TABLE "User" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "username" TEXT NOT NULL,
    "displayName" TEXT,
    "role" TEXT NOT NULL,
    "passwordHash" TEXT NOT NULL,
    "disabled" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" DATETIME NOT NULL,
    "updatedAt" DATETIME NOT NULL,
    "lastLoginAt" DATETIME
);

-- CreateTable
CREATE TABLE "Session" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "userId" TEXT NOT NULL,
    "csrfToken" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL,
    "lastSeenAt" DATETIME NOT NULL,
    "expiresAt" DATETIME NOT NULL,
    "ip" TEXT,
    "userAgent" TEXT,
    CONSTRAINT "Session_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "ApiToken" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "userId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL,
    "lastUsedAt" DATETIME,
    "expiresAt" DATETIME,
    "revokedAt" DATETIME,
    CONSTRAINT "ApiToken_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "DestinationSetting" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "aeTitle" TEXT NOT NULL,
    "host" TEXT NOT NULL,
    "port" INTEGER NOT NULL,
    "secondaryCapture" BOOLEAN NOT NULL DEFAULT false,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "deleted" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" DATETIME NOT NULL,
    "updatedAt" DATETIME NOT NULL,
    "updatedBy" TEXT NOT NULL
);

-- CreateTable
CREATE TABLE "Setting" (
    "key" TEXT NOT NULL PRIMARY KEY,
    "valueJson" TEXT NOT NULL,
    "updatedAt" DATETIME NOT NULL,
    "updatedBy" TEXT NOT NULL
);

-- CreateTable
CREATE TABLE "Model" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "file" TEXT NOT NULL,
    "sha256" TEXT NOT NULL,
    "sizeBytes" INTEGER NOT NULL,
    "stage" TEXT,
    "metadataJson" TEXT NOT NULL,
    "metricsJson" TEXT,
    "source" TEXT NOT NULL,
    "trainingRunId" TEXT,
    "status" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL,
    "createdBy" TEXT NOT NULL,
    "promotedAt" DATETIME
);

-- CreateTable
CREATE TABLE "TrainingRun" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "paramsJson" TEXT NOT NULL,
    "runDir" TEXT NOT NULL,
    "stage" INTEGER,
    "step" INTEGER NOT NULL DEFAULT 0,
    "totalSteps" INTEGER,
    "resultJson" TEXT,
    "error" TEXT,
    "modelId" TEXT,
    "pid" INTEGER,
    "createdBy" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL,
    "startedAt" DATETIME,
    "finishedAt" DATETIME,
    "updatedAt" DATETIME NOT NULL
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_AuditEvent" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "at" DATETIME NOT NULL,
    "actor" TEXT NOT NULL,
    "userId" TEXT,
    "action" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "outcome" TEXT NOT NULL DEFAULT 'ok',
    "ip" TEXT,
    "detailJson" TEXT
);
INSERT INTO "new_AuditEvent" ("action", "actor", "at", "detailJson", "id", "subject") SELECT "action", "actor", "at", "detailJson", "id", "subject" FROM "AuditEvent";
DROP TABLE "AuditEvent";
ALTER TABLE "new_AuditEvent" RENAME TO "AuditEvent";
CREATE INDEX "AuditEvent_at_idx" ON "AuditEvent"("at");
CREATE INDEX "AuditEvent_subject_idx" ON "AuditEvent"("subject");
CREATE INDEX "AuditEvent_actor_at_idx" ON "AuditEvent"("actor", "at");
CREATE INDEX "AuditEvent_action_at_idx" ON "AuditEvent"("action", "at");
CREATE TABLE "new_Job" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "instanceId" TEXT NOT NULL,
    "sopInstanceUid" TEXT NOT NULL,
    "studyInstanceUid" TEXT NOT NULL,
    "modelId" TEXT NOT NULL,
    "modelVersion" TEXT NOT NULL,
    "paramsHash" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "role" TEXT NOT NULL DEFAULT 'primary',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "maxAttempts" INTEGER NOT NULL,
    "nextRunAt" DATETIME NOT NULL,
    "leaseOwner" TEXT,
    "leaseExpiresAt" DATETIME,
    "lastError" TEXT,
    "derivedSopInstanceUid" TEXT,
    "derivedSeriesInstanceUid" TEXT,
    "derivedPath" TEXT,
    "guardClippedFraction" REAL,
    "guardMaxChange" REAL,
    "guardFlagged" BOOLEAN,
    "held" BOOLEAN,
    "guardOverride" BOOLEAN NOT NULL DEFAULT false,
    "timingsJson" TEXT,
    "createdAt" DATETIME NOT NULL,
    "updatedAt" DATETIME NOT NULL,
    "finishedAt" DATETIME,
    CONSTRAINT "Job_instanceId_fkey" FOREIGN KEY ("instanceId") REFERENCES "Instance" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
INSERT INTO "new_Job" ("attempts", "createdAt", "derivedPath", "derivedSeriesInstanceUid", "derivedSopInstanceUid", "finishedAt", "guardClippedFraction", "guardFlagged", "guardMaxChange", "guardOverride", "held", "id", "instanceId", "lastError", "leaseExpiresAt", "leaseOwner", "maxAttempts", "modelId", "modelVersion", "nextRunAt", "paramsHash", "sopInstanceUid", "state", "studyInstanceUid", "timingsJson", "updatedAt") SELECT "attempts", "createdAt", "derivedPath", "derivedSeriesInstanceUid", "derivedSopInstanceUid", "finishedAt", "guardClippedFraction", "guardFlagged", "guardMaxChange", "guardOverride", "held", "id", "instanceId", "lastError", "leaseExpiresAt", "leaseOwner", "maxAttempts", "modelId", "modelVersion", "nextRunAt", "paramsHash", "sopInstanceUid", "state", "studyInstanceUid", "timingsJson", "updatedAt" FROM "Job";
DROP TABLE "Job";
ALTER TABLE "new_Job" RENAME TO "Job";
CREATE INDEX "Job_state_nextRunAt_idx" ON "Job"("state", "nextRunAt");
CREATE INDEX "Job_state_leaseExpiresAt_idx" ON "Job"("state", "leaseExpiresAt");
CREATE INDEX "Job_instanceId_idx" ON "Job"("instanceId");
CREATE INDEX "Job_createdAt_idx" ON "Job"("createdAt");
CREATE INDEX "Job_role_state_idx" ON "Job"("role", "state");
CREATE INDEX "Job_derivedSeriesInstanceUid_idx" ON "Job"("derivedSeriesInstanceUid");
CREATE UNIQUE INDEX "Job_sopInstanceUid_modelId_modelVersion_paramsHash_key" ON "Job"("sopInstanceUid", "modelId", "modelVersion", "paramsHash");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE UNIQUE INDEX "User_username_key" ON "User"("username");

-- CreateIndex
CREATE INDEX "Session_userId_idx" ON "Session"("userId");

-- CreateIndex
CREATE INDEX "Session_expiresAt_idx" ON "Session"("expiresAt");

-- CreateIndex
CREATE UNIQUE INDEX "ApiToken_tokenHash_key" ON "ApiToken"("tokenHash");

-- CreateIndex
CREATE INDEX "ApiToken_userId_idx" ON "ApiToken"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "DestinationSetting_name_key" ON "DestinationSetting"("name");

-- CreateIndex
CREATE INDEX "Model_status_idx" ON "Model"("status");

-- CreateIndex
CREATE UNIQUE INDEX "Model_name_version_key" ON "Model"("name", "version");

-- CreateIndex
CREATE UNIQUE INDEX "TrainingRun_name_key" ON "TrainingRun"("name");

-- CreateIndex
CREATE INDEX "TrainingRun_state_createdAt_idx" ON "TrainingRun"("state", "createdAt");


-- Hand-written (Prisma's schema has no triggers): the audit trail is append-only. The node only
-- ever inserts; these make an UPDATE or DELETE through any client fail loudly.
CREATE TRIGGER "AuditEvent_no_update" BEFORE UPDATE ON "AuditEvent"
BEGIN SELECT RAISE(ABORT, 'AuditEvent is append-only'); END;
CREATE TRIGGER "AuditEvent_no_delete" BEFORE DELETE ON "AuditEvent"
BEGIN SELECT RAISE(ABORT, 'AuditEvent is append-only'); END;
