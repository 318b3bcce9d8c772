// Schemas several route files share.
import { z } from 'zod';
import { ROLES } from '../../auth/index.js';

export const role = z.enum(ROLES);
export const sessionUserSchema = z.object({ id: z.string(), username: z.string(), displayName: z.string().nullable(), role });
/** Absent, null and "" all mean "not given" (forms send empty fields). */
export const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === null || v === '' ? undefined : v), schema.optional());
export const idParams = z.object({ id: z.string().min(1).max(64) });
