export { backoffDelayMs, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
export { PrismaDeliveryLog } from './deliveries.js';
export { PrismaJobQueue, type PrismaJobQueueOptions } from './prisma-queue.js';
export * from './queue.js';
