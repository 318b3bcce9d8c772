-- CreateTable
CREATE TABLE "Instance" (
    "id" TEXT NOT NULL,
    "sopInstanceUid" TEXT NOT NULL,
    "patientId" TEXT,
    "accessionNumber" TEXT,
    "studyDate" TEXT,
    "sopClassUid" TEXT NOT NULL,
    "transferSyntaxUid" TEXT NOT NULL,
    "studyInstanceUid" TEXT NOT NULL,
    "seriesInstanceUid" TEXT NOT NULL,
    "modality" TEXT,
    "bodyPartExamined" TEXT,
    "viewPosition" TEXT,
    "seriesDescription" TEXT,
    "path" TEXT NOT NULL,
    "sizeBytes" INTEGER NOT NULL,
    "callingAeTitle" TEXT NOT NULL,
    "associationId" TEXT NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL,
    "receiveCount" INTEGER NOT NULL DEFAULT 1,
    "status" TEXT NOT NULL,
    "skipReason" TEXT,
    "purgedAt" TIMESTAMP(3),

    CONSTRAINT "Instance_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Job" (
    "id" TEXT NOT NULL,
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
    "nextRunAt" TIMESTAMP(3) NOT NULL,
    "leaseOwner" TEXT,
    "leaseExpiresAt" TIMESTAMP(3),
    "lastError" TEXT,
    "derivedSopInstanceUid" TEXT,
    "derivedSeriesInstanceUid" TEXT,
    "derivedPath" TEXT,
    "guardClippedFraction" DOUBLE PRECISION,
    "guardMaxChange" DOUBLE PRECISION,
    "guardFlagged" BOOLEAN,
    "held" BOOLEAN,
    "guardOverride" BOOLEAN NOT NULL DEFAULT false,
    "timingsJson" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "Job_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Delivery" (
    "id" TEXT NOT NULL,
    "jobId" TEXT NOT NULL,
    "destination" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastStatus" INTEGER,
    "lastError" TEXT,
    "sentAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Delivery_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditEvent" (
    "id" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "actor" TEXT NOT NULL,
    "userId" TEXT,
    "action" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "outcome" TEXT NOT NULL DEFAULT 'ok',
    "ip" TEXT,
    "detailJson" TEXT,

    CONSTRAINT "AuditEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "User" (
    "id" TEXT NOT NULL,
    "username" TEXT NOT NULL,
    "displayName" TEXT,
    "role" TEXT NOT NULL,
    "passwordHash" TEXT NOT NULL,
    "disabled" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "lastLoginAt" TIMESTAMP(3),

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Session" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "csrfToken" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL,
    "lastSeenAt" TIMESTAMP(3) NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "ip" TEXT,
    "userAgent" TEXT,

    CONSTRAINT "Session_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ApiToken" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL,
    "lastUsedAt" TIMESTAMP(3),
    "expiresAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "ApiToken_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DestinationSetting" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "aeTitle" TEXT NOT NULL,
    "host" TEXT NOT NULL,
    "port" INTEGER NOT NULL,
    "secondaryCapture" BOOLEAN NOT NULL DEFAULT false,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "deleted" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "updatedBy" TEXT NOT NULL,

    CONSTRAINT "DestinationSetting_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Setting" (
    "key" TEXT NOT NULL,
    "valueJson" TEXT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "updatedBy" TEXT NOT NULL,

    CONSTRAINT "Setting_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "Model" (
    "id" TEXT NOT NULL,
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
    "createdAt" TIMESTAMP(3) NOT NULL,
    "createdBy" TEXT NOT NULL,
    "promotedAt" TIMESTAMP(3),

    CONSTRAINT "Model_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TrainingRun" (
    "id" TEXT NOT NULL,
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
    "createdAt" TIMESTAMP(3) NOT NULL,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "TrainingRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Feedback" (
    "id" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "seriesInstanceUid" TEXT NOT NULL,
    "sopInstanceUid" TEXT,
    "studyInstanceUid" TEXT,
    "modelId" TEXT NOT NULL,
    "modelVersion" TEXT NOT NULL,
    "verdict" TEXT NOT NULL,
    "reason" TEXT,
    "reader" TEXT,
    "jobId" TEXT,

    CONSTRAINT "Feedback_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Instance_sopInstanceUid_key" ON "Instance"("sopInstanceUid");

-- CreateIndex
CREATE INDEX "Instance_studyInstanceUid_idx" ON "Instance"("studyInstanceUid");

-- CreateIndex
CREATE INDEX "Instance_receivedAt_idx" ON "Instance"("receivedAt");

-- CreateIndex
CREATE INDEX "Instance_patientId_idx" ON "Instance"("patientId");

-- CreateIndex
CREATE INDEX "Instance_accessionNumber_idx" ON "Instance"("accessionNumber");

-- CreateIndex
CREATE INDEX "Job_state_nextRunAt_idx" ON "Job"("state", "nextRunAt");

-- CreateIndex
CREATE INDEX "Job_state_leaseExpiresAt_idx" ON "Job"("state", "leaseExpiresAt");

-- CreateIndex
CREATE INDEX "Job_instanceId_idx" ON "Job"("instanceId");

-- CreateIndex
CREATE INDEX "Job_createdAt_idx" ON "Job"("createdAt");

-- CreateIndex
CREATE INDEX "Job_role_state_idx" ON "Job"("role", "state");

-- CreateIndex
CREATE INDEX "Job_derivedSeriesInstanceUid_idx" ON "Job"("derivedSeriesInstanceUid");

-- CreateIndex
CREATE UNIQUE INDEX "Job_sopInstanceUid_modelId_modelVersion_paramsHash_key" ON "Job"("sopInstanceUid", "modelId", "modelVersion", "paramsHash");

-- CreateIndex
CREATE INDEX "Delivery_state_idx" ON "Delivery"("state");

-- CreateIndex
CREATE UNIQUE INDEX "Delivery_jobId_destination_key" ON "Delivery"("jobId", "destination");

-- CreateIndex
CREATE INDEX "AuditEvent_at_idx" ON "AuditEvent"("at");

-- CreateIndex
CREATE INDEX "AuditEvent_subject_idx" ON "AuditEvent"("subject");

-- CreateIndex
CREATE INDEX "AuditEvent_actor_at_idx" ON "AuditEvent"("actor", "at");

-- CreateIndex
CREATE INDEX "AuditEvent_action_at_idx" ON "AuditEvent"("action", "at");

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

-- CreateIndex
CREATE INDEX "Feedback_modelId_modelVersion_at_idx" ON "Feedback"("modelId", "modelVersion", "at");

-- CreateIndex
CREATE INDEX "Feedback_at_idx" ON "Feedback"("at");

-- CreateIndex
CREATE INDEX "Feedback_seriesInstanceUid_idx" ON "Feedback"("seriesInstanceUid");

-- CreateIndex
CREATE INDEX "Feedback_jobId_idx" ON "Feedback"("jobId");

-- AddForeignKey
ALTER TABLE "Job" ADD CONSTRAINT "Job_instanceId_fkey" FOREIGN KEY ("instanceId") REFERENCES "Instance"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Delivery" ADD CONSTRAINT "Delivery_jobId_fkey" FOREIGN KEY ("jobId") REFERENCES "Job"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Session" ADD CONSTRAINT "Session_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ApiToken" ADD CONSTRAINT "ApiToken_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Feedback" ADD CONSTRAINT "Feedback_jobId_fkey" FOREIGN KEY ("jobId") REFERENCES "Job"("id") ON DELETE SET NULL ON UPDATE CASCADE;

