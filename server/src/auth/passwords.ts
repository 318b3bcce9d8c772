// Password hashing with argon2id (the `argon2` package: maintained, prebuilt, OWASP's first
// choice). Parameters are argon2's defaults (m=64 MiB, t=3, p=4): ~0.1 s per login here, which
// is what makes a stolen hash expensive to guess; the login rate limit keeps it from being a DoS.
import argon2 from 'argon2';

export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 256;

/** Why a new password is refused, or undefined when it is acceptable. */
export function passwordProblem(password: string, username?: string): string | undefined {
  if (password.length < MIN_PASSWORD_LENGTH) return `password: at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > MAX_PASSWORD_LENGTH) return `password: at most ${MAX_PASSWORD_LENGTH} characters`;
  if (username && password.toLowerCase().includes(username.toLowerCase())) return 'password: must not contain the user name';
  if (/^(.)\1*$/.test(password)) return 'password: must not be one character repeated';
  return undefined;
}

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, { type: argon2.argon2id });
}

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false; // a malformed hash never matches
  }
}

/**
 * A hash of a random password, verified against when the user does not exist, so a wrong user
 * name costs as much time as a wrong password and the timing does not reveal which accounts exist.
 */
let decoy: Promise<string> | undefined;
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword(`decoy-${Math.random()}-${Date.now()}`);
  return decoy;
}
