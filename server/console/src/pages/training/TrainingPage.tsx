// PLACEHOLDER: replaced by the room that builds this page.
import { EmptyState, PageHeader } from '../../components/ui.js';
import type { PageProps } from '../index.js';

export default function TrainingPage(_props: PageProps) {
  return (
    <>
      <PageHeader title="Training" />
      <EmptyState title="This page is not built yet" />
    </>
  );
}
