// Every page of the console, once: its URL, its place in the navigation, the least role that
// may open it (the API checks again), and its module, loaded when first opened so the first
// screen stays small. A room adds its page here and nowhere else.
import { lazy, type ComponentType, type LazyExoticComponent } from 'react';
import type { Role } from '../auth.js';

export interface PageProps {
  /** The path's parameters (':id' → params.id). */
  readonly params: Readonly<Record<string, string>>;
}

export interface PageEntry {
  readonly path: string;
  readonly title: string;
  /** Shown in the side navigation under this group; pages without one are reached by links. */
  readonly nav?: 'Operate' | 'Models' | 'Configure' | 'Account';
  /** A key (with Alt) that opens the page. */
  readonly key?: string;
  readonly role: Role;
  readonly component: LazyExoticComponent<ComponentType<PageProps>>;
}

const page = (load: () => Promise<{ default: ComponentType<PageProps> }>) => lazy(load);

export const PAGES: readonly PageEntry[] = [
  { path: '/', title: 'Dashboard', nav: 'Operate', key: 'd', role: 'viewer', component: page(() => import('./dashboard/DashboardPage.js')) },
  { path: '/studies', title: 'Studies', nav: 'Operate', key: 's', role: 'viewer', component: page(() => import('./studies/StudiesPage.js')) },
  { path: '/studies/:uid', title: 'Study', role: 'viewer', component: page(() => import('./studies/StudyPage.js')) },
  { path: '/jobs', title: 'Jobs', nav: 'Operate', key: 'j', role: 'viewer', component: page(() => import('./jobs/JobsPage.js')) },
  { path: '/jobs/:id', title: 'Job', role: 'viewer', component: page(() => import('./jobs/JobPage.js')) },
  { path: '/models', title: 'Models', nav: 'Models', key: 'm', role: 'viewer', component: page(() => import('./models/ModelsPage.js')) },
  { path: '/training', title: 'Training', nav: 'Models', key: 't', role: 'viewer', component: page(() => import('./training/TrainingPage.js')) },
  { path: '/training/:id', title: 'Training run', role: 'viewer', component: page(() => import('./training/RunPage.js')) },
  { path: '/try', title: 'Try it', nav: 'Models', key: 'y', role: 'viewer', component: page(() => import('./try/TryPage.js')) },
  { path: '/feedback', title: 'Feedback', nav: 'Models', role: 'viewer', component: page(() => import('./feedback/FeedbackPage.js')) },
  { path: '/destinations', title: 'Destinations', nav: 'Configure', role: 'viewer', component: page(() => import('./destinations/DestinationsPage.js')) },
  { path: '/rules', title: 'Rules', nav: 'Configure', role: 'viewer', component: page(() => import('./rules/RulesPage.js')) },
  { path: '/settings', title: 'Settings', nav: 'Configure', role: 'admin', component: page(() => import('./settings/SettingsPage.js')) },
  { path: '/audit', title: 'Audit log', nav: 'Configure', key: 'a', role: 'operator', component: page(() => import('./audit/AuditPage.js')) },
  { path: '/users', title: 'Users', nav: 'Account', role: 'admin', component: page(() => import('./account/UsersPage.js')) },
  { path: '/tokens', title: 'API tokens', nav: 'Account', role: 'viewer', component: page(() => import('./account/TokensPage.js')) },
];
