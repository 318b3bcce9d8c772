// Login rate limiting (rate-limiter-flexible): failed logins are counted per (user name, client)
// and per client. Only failures count, so a user who types the password right is never slowed;
// a success clears the pair's count. In memory: one node; the scale-out issue moves it to Redis.
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

export interface LoginLimits {
  /** Failed attempts for one user name from one client before it is blocked. */
  readonly perUserAndClient: number;
  /** Failed attempts from one client over all user names. */
  readonly perClient: number;
  readonly windowSeconds: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = { perUserAndClient: 5, perClient: 20, windowSeconds: 15 * 60 };

export class LoginLimiter {
  private readonly pair: RateLimiterMemory;
  private readonly client: RateLimiterMemory;

  constructor(limits: LoginLimits = DEFAULT_LOGIN_LIMITS) {
    this.pair = new RateLimiterMemory({ points: limits.perUserAndClient, duration: limits.windowSeconds, keyPrefix: 'login-pair' });
    this.client = new RateLimiterMemory({ points: limits.perClient, duration: limits.windowSeconds, keyPrefix: 'login-ip' });
  }

  /** Seconds until this client may try this user name again, or 0 when it may now. */
  async retryAfter(username: string, ip: string): Promise<number> {
    const [pair, client] = await Promise.all([this.pair.get(key(username, ip)), this.client.get(ip)]);
    const blocked = [[pair, this.pair.points], [client, this.client.points]] as const;
    let wait = 0;
    for (const [res, points] of blocked) {
      if (res && res.consumedPoints >= points) wait = Math.max(wait, Math.ceil(res.msBeforeNext / 1000));
    }
    return wait;
  }

  async failed(username: string, ip: string): Promise<void> {
    await Promise.all([this.pair.penalty(key(username, ip), 1), this.client.penalty(ip, 1)]).catch((err: unknown) => {
      if (!(err instanceof RateLimiterRes)) throw err;
    });
  }

  async succeeded(username: string, ip: string): Promise<void> {
    await this.pair.delete(key(username, ip));
  }
}

function key(username: string, ip: string): string {
  return `${username.toLowerCase()}|${ip}`;
}
