// The frame around every page: the side navigation (grouped, role-filtered, Alt+key
// shortcuts), the signed-in user with sign-out, and a skip link for keyboard users.
import { useEffect, type ReactNode } from 'react';
import { useAuth } from '../auth.js';
import { PAGES, type PageEntry } from '../pages/index.js';
import { Link, matchPath, navigate, useLocation } from '../router.js';

const GROUPS = ['Operate', 'Models', 'Configure', 'Account'] as const;

export function Layout({ children }: { children: ReactNode }) {
  const { user, can, logout } = useAuth();
  const { path } = useLocation();
  const visible = PAGES.filter((p) => p.nav && can(p.role));
  useShortcuts(visible);
  const current = (p: PageEntry): boolean => (p.path === '/' ? path === '/' : path === p.path || path.startsWith(`${p.path}/`));
  return (
    <div className="shell">
      <a className="skip-link" href="#main">Skip to content</a>
      <nav className="sidebar" aria-label="Console">
        <div className="sidebar-inner">
          <Link to="/" className="brand">
            <span className="brand-mark" aria-hidden="true">◐</span> SharpXR
          </Link>
          {GROUPS.map((group) => {
            const items = visible.filter((p) => p.nav === group);
            if (items.length === 0) return null;
            return (
              <div className="nav-group" key={group}>
                <div className="nav-title">{group}</div>
                {items.map((p) => (
                  <Link key={p.path} to={p.path} className={`nav-link ${current(p) ? 'active' : ''}`} aria-current={current(p) ? 'page' : undefined} title={p.key ? `Alt+${p.key.toUpperCase()}` : undefined}>
                    {p.title}
                    {p.key && <kbd>{p.key.toUpperCase()}</kbd>}
                  </Link>
                ))}
              </div>
            );
          })}
          <a className="nav-link" href="/viewer/" target="_blank" rel="noreferrer">
            Viewer (OHIF) ↗
          </a>
          <div className="sidebar-foot">
            <div className="who" title={user?.username}>
              <span className="who-name">{user?.displayName || user?.username}</span>
              <span className="muted">{user?.role}</span>
            </div>
            <button type="button" className="btn btn-ghost btn-small" onClick={() => void logout().then(() => navigate('/login'))}>
              Sign out
            </button>
          </div>
        </div>
      </nav>
      <main id="main" className="content" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}

/** Alt+<key> opens a page from anywhere but a text field. */
function useShortcuts(pages: readonly PageEntry[]): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (!e.altKey || e.ctrlKey || e.metaKey) return;
      const target = e.target as HTMLElement | null;
      if (target && /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) return;
      const hit = pages.find((p) => p.key && e.code === `Key${p.key.toUpperCase()}`);
      if (!hit) return;
      e.preventDefault();
      navigate(hit.path);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [pages]);
}

/** The registered page for a path, with its parameters. */
export function findPage(path: string): { page: PageEntry; params: Record<string, string> } | null {
  for (const page of PAGES) {
    const params = matchPath(page.path, path);
    if (params) return { page, params };
  }
  return null;
}
