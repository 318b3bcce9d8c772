// The console's operational pages, server side: study search, job list and timeline, job
// actions (retry, send again, send held, reprocess), deleting an instance, image rendering
// for the comparison view, dashboard figures and the audit query. The routes in
// server/src/api/routes/{studies,jobs,dashboard,audit}.ts are thin layers over these.
export { auditFacets, searchAudit, type AuditFacets, type AuditFilter } from './audit-query.js';
export { decodeCursor, encodeCursor, type CursorKey } from './cursor.js';
export { dashboard, median, type Dashboard, type DashboardDeps, type HourPoint } from './dashboard.js';
export { deleteInstance, type DeleteInstanceDeps, type DeletedInstance } from './delete-instance.js';
export { ImageRenderer, type ImageRendererOptions } from './image/renderer.js';
export { renderDecoded, percentileWindow, PERCENTILES, type RenderedImage } from './image/render.js';
export { JobActions, type JobActionDeps, type SendAgainResult } from './job-actions.js';
export { findJob, jobDetail, listJobs, type JobDetail, type JobFilter } from './job-queries.js';
export { searchStudies, studyDetail, type InstanceView, type StudyFilter, type StudySummary } from './studies.js';
export { buildTimeline, STAGE_ORDER, type TimelineEntry } from './timeline.js';
export { auditView, deliveryView, jobView, type AuditView, type DeliveryView, type JobView } from './views.js';
