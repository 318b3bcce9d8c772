export { Authenticator, readCookie, type AuthOptions } from './authenticator.js';
export { LoginLimiter, DEFAULT_LOGIN_LIMITS, type LoginLimits } from './rate-limit.js';
export { ROLES, isRole, roleAtLeast, type AuthUser, type Role } from './roles.js';
export { SESSION_COOKIE, createSession, endSession, purgeExpiredSessions, sessionUser, type SessionPolicy } from './sessions.js';
export { SetupCode } from './setup-code.js';
export { createToken, listTokens, revokeToken, tokenUser, type PublicToken } from './tokens.js';
export { countUsers, createUser, deleteUser, listUsers, publicUser, updateUser, USERNAME_RULE, type PublicUser } from './users.js';
export { MIN_PASSWORD_LENGTH, decoyHash, passwordProblem, verifyPassword } from './passwords.js';
