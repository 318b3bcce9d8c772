-- AlterTable
ALTER TABLE "Instance" ADD COLUMN "purgedAt" DATETIME;

