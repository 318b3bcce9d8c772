// PLACEHOLDER: replaced by the room that builds this page.
import { EmptyState, PageHeader } from '../../components/ui.js';
import type { PageProps } from '../index.js';

export default function TokensPage(_props: PageProps) {
  return (
    <>
      <PageHeader title="Tokens" />
      <EmptyState title="This page is not built yet" />
    </>
  );
}
