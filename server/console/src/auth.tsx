// Who is logged in, and the calls that change it. The node decides everything (roles are
// checked on every route); the console only hides what a role cannot do, so people are not
// offered buttons that answer 403.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, setCsrfToken, setUnauthorizedHandler } from './api.js';

export type Role = 'viewer' | 'operator' | 'admin';
const ORDER: readonly Role[] = ['viewer', 'operator', 'admin'];

export interface SessionUser {
  readonly id: string;
  readonly username: string;
  readonly displayName: string | null;
  readonly role: Role;
}

interface AuthStateBody {
  readonly setupRequired: boolean;
  readonly user: SessionUser | null;
  readonly csrfToken: string | null;
}

export interface Auth {
  /** undefined until the node has answered once. */
  readonly state: AuthStateBody | undefined;
  readonly user: SessionUser | null;
  /** True when the user has `role` or a higher one. */
  readonly can: (role: Role) => boolean;
  readonly login: (username: string, password: string) => Promise<void>;
  readonly setup: (body: { setupCode: string; username: string; password: string; displayName?: string }) => Promise<void>;
  readonly logout: () => Promise<void>;
  readonly refresh: () => Promise<void>;
}

const AuthContext = createContext<Auth | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<AuthStateBody>();
  const apply = useCallback((next: AuthStateBody) => {
    setCsrfToken(next.csrfToken);
    setState(next);
  }, []);
  const refresh = useCallback(async () => apply(await api<AuthStateBody>('/api/auth/state')), [apply]);

  useEffect(() => {
    refresh().catch(() => apply({ setupRequired: false, user: null, csrfToken: null }));
    // A 401 elsewhere means the session ended (idle timeout, logout in another tab).
    setUnauthorizedHandler(() => void refresh().catch(() => undefined));
    return () => setUnauthorizedHandler(null);
  }, [refresh, apply]);

  const value = useMemo<Auth>(() => {
    const user = state?.user ?? null;
    const loggedIn = (body: { user: SessionUser; csrfToken: string }): void => apply({ setupRequired: false, user: body.user, csrfToken: body.csrfToken });
    return {
      state,
      user,
      can: (role) => !!user && ORDER.indexOf(user.role) >= ORDER.indexOf(role),
      login: async (username, password) => loggedIn(await api('/api/auth/login', { json: { username, password } })),
      setup: async (body) => loggedIn(await api('/api/auth/setup', { json: body })),
      logout: async () => {
        await api('/api/auth/logout', { method: 'POST' }).catch(() => undefined);
        apply({ setupRequired: false, user: null, csrfToken: null });
      },
      refresh,
    };
  }, [state, apply, refresh]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): Auth {
  const auth = useContext(AuthContext);
  if (!auth) throw new Error('useAuth outside <AuthProvider>');
  return auth;
}
