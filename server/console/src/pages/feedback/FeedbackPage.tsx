// PLACEHOLDER: replaced by the room that builds this page.
import { EmptyState, PageHeader } from '../../components/ui.js';
import type { PageProps } from '../index.js';

export default function FeedbackPage(_props: PageProps) {
  return (
    <>
      <PageHeader title="Feedback" />
      <EmptyState title="This page is not built yet" />
    </>
  );
}
