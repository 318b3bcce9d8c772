-- AlterTable
ALTER TABLE "Instance" ADD COLUMN "accessionNumber" TEXT;
ALTER TABLE "Instance" ADD COLUMN "patientId" TEXT;
ALTER TABLE "Instance" ADD COLUMN "studyDate" TEXT;

-- CreateIndex
CREATE INDEX "Instance_patientId_idx" ON "Instance"("patientId");

-- CreateIndex
CREATE INDEX "Instance_accessionNumber_idx" ON "Instance"("accessionNumber");

