-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Job" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "instanceId" TEXT NOT NULL,
    "sopInstanceUid" TEXT NOT NULL,
    "studyInstanceUid" TEXT NOT NULL,
    "modelId" TEXT NOT NULL,
    "modelVersion" TEXT NOT NULL,
    "paramsHash" TEXT NOT NULL,
    "state" TEXT NOT NULL,
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
INSERT INTO "new_Job" ("attempts", "createdAt", "derivedPath", "derivedSeriesInstanceUid", "derivedSopInstanceUid", "finishedAt", "guardClippedFraction", "guardFlagged", "guardMaxChange", "held", "id", "instanceId", "lastError", "leaseExpiresAt", "leaseOwner", "maxAttempts", "modelId", "modelVersion", "nextRunAt", "paramsHash", "sopInstanceUid", "state", "studyInstanceUid", "timingsJson", "updatedAt") SELECT "attempts", "createdAt", "derivedPath", "derivedSeriesInstanceUid", "derivedSopInstanceUid", "finishedAt", "guardClippedFraction", "guardFlagged", "guardMaxChange", "held", "id", "instanceId", "lastError", "leaseExpiresAt", "leaseOwner", "maxAttempts", "modelId", "modelVersion", "nextRunAt", "paramsHash", "sopInstanceUid", "state", "studyInstanceUid", "timingsJson", "updatedAt" FROM "Job";
DROP TABLE "Job";
ALTER TABLE "new_Job" RENAME TO "Job";
CREATE INDEX "Job_state_nextRunAt_idx" ON "Job"("state", "nextRunAt");
CREATE INDEX "Job_state_leaseExpiresAt_idx" ON "Job"("state", "leaseExpiresAt");
CREATE INDEX "Job_instanceId_idx" ON "Job"("instanceId");
CREATE UNIQUE INDEX "Job_sopInstanceUid_modelId_modelVersion_paramsHash_key" ON "Job"("sopInstanceUid", "modelId", "modelVersion", "paramsHash");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

