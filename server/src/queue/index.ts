export { backoffDelayMs, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
export { DELIVERY_STATES, PrismaDeliveryLog, type DeliveryState } from './deliveries.js';
export { PrismaJobQueue, type PrismaJobQueueOptions } from './prisma-queue.js';
export * from './queue.js';
