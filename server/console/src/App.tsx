// Decides what a visitor sees: the setup screen while the node has no account, the login
// page without a session (coming back to where they were going afterwards), and otherwise
// the page for the URL inside the layout.
import { Component, Suspense, useEffect, type ReactNode } from 'react';
import { useAuth } from './auth.js';
import { findPage, Layout } from './components/Layout.js';
import { EmptyState, Loading } from './components/ui.js';
import { LoginPage } from './pages/LoginPage.js';
import { SetupPage } from './pages/SetupPage.js';
import { Link, navigate, useLocation } from './router.js';

export function App() {
  const { state, user, can } = useAuth();
  const { path, href } = useLocation();
  const isAuthPage = path === '/login' || path === '/setup';

  useEffect(() => {
    if (!state) return;
    if (state.setupRequired && path !== '/setup') navigate(`/setup?next=${encodeURIComponent(href)}`, { replace: true });
    else if (!state.setupRequired && !user && !isAuthPage) navigate(`/login?next=${encodeURIComponent(href)}`, { replace: true });
  }, [state, user, path, href, isAuthPage]);

  if (!state) return <Loading label="Connecting to the node…" />;
  if (state.setupRequired) return <SetupPage />;
  if (!user) return <LoginPage />;
  if (isAuthPage) {
    navigateAfterLogin();
    return <Loading />;
  }
  const found = findPage(path);
  return (
    <Layout>
      <PageBoundary key={path}>
        <Suspense fallback={<Loading />}>
          {!found ? (
            <EmptyState title="No such page" action={<Link to="/">Go to the dashboard</Link>}>
              Nothing lives at <code>{path}</code>.
            </EmptyState>
          ) : !can(found.page.role) ? (
            <EmptyState title={`${found.page.title} needs the ${found.page.role} role`}>
              You are signed in as a {user.role}. An administrator can change your role on the Users page.
            </EmptyState>
          ) : (
            <found.page.component params={found.params} />
          )}
        </Suspense>
      </PageBoundary>
    </Layout>
  );
}

/** After a login: back to ?next= when it is one of ours, else the dashboard. */
export function navigateAfterLogin(): void {
  const next = new URLSearchParams(window.location.search).get('next');
  const safe = next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/login') && !next.startsWith('/setup') ? next : '/';
  // The viewer and the API are served by the node, not the console: a full page load.
  if (/^\/(viewer|dicom-web|api)(\/|$|\?)/.test(safe)) window.location.assign(safe);
  else queueMicrotask(() => navigate(safe, { replace: true }));
}

/** One page's crash stays on that page, with a way out. */
class PageBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  override state = { error: null as Error | null };
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <EmptyState title="This page failed" action={<button className="btn btn-secondary" onClick={() => window.location.reload()}>Reload</button>}>
        <code>{this.state.error.message}</code>
      </EmptyState>
    );
  }
}
