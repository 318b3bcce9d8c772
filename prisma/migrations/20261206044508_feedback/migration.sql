-- CreateTable
CREATE TABLE "Feedback" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "at" DATETIME NOT NULL,
    "seriesInstanceUid" TEXT NOT NULL,
    "sopInstanceUid" TEXT,
    "studyInstanceUid" TEXT,
    "modelId" TEXT NOT NULL,
    "modelVersion" TEXT NOT NULL,
    "verdict" TEXT NOT NULL,
    "reason" TEXT,
    "reader" TEXT,
    "jobId" TEXT,
    CONSTRAINT "Feedback_jobId_fkey" FOREIGN KEY ("jobId") REFERENCES "Job" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "Feedback_modelId_modelVersion_at_idx" ON "Feedback"("modelId", "modelVersion", "at");

-- CreateIndex
CREATE INDEX "Feedback_at_idx" ON "Feedback"("at");

-- CreateIndex
CREATE INDEX "Feedback_seriesInstanceUid_idx" ON "Feedback"("seriesInstanceUid");

-- CreateIndex
CREATE INDEX "Feedback_jobId_idx" ON "Feedback"("jobId");

-- CreateIndex
CREATE INDEX "Job_derivedSeriesInstanceUid_idx" ON "Job"("derivedSeriesInstanceUid");

