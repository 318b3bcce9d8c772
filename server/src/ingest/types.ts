// What the listener hands to the rest of the node once an instance is durably on disk.
// The listener knows nothing of the database or the queue: main.ts wires an IngestSink.

/**
 * Header facts read from a received instance (no patient name: it never leaves the file).
 * Patient ID, accession number and study date are kept for the console's study search.
 */
export interface InstanceHeader {
  readonly sopClassUid: string;
  readonly sopInstanceUid: string;
  readonly transferSyntaxUid: string;
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid: string;
  readonly modality?: string;
  readonly bodyPartExamined?: string;
  readonly viewPosition?: string;
  readonly seriesDescription?: string;
  readonly patientId?: string;
  readonly accessionNumber?: string;
  /** DICOM DA: YYYYMMDD. */
  readonly studyDate?: string;
  readonly imageType?: readonly string[];
  readonly rows?: number;
  readonly columns?: number;
}

/** One instance written to its final path (temp file, fsync, rename, directory fsync done). */
export interface StoredInstance extends InstanceHeader {
  /** Absolute path of the Part 10 file in the store. */
  readonly path: string;
  readonly sizeBytes: number;
  readonly callingAeTitle: string;
  /** Short id of the association, for logs. */
  readonly associationId: string;
  readonly receivedAt: Date;
}

/**
 * Records a stored instance (and, if the rules select it, its job) before the C-STORE
 * response goes out. Throwing makes the listener answer with a failure status, so the
 * sender keeps the instance and retries.
 */
export interface IngestSink {
  record(instance: StoredInstance): Promise<IngestOutcome>;
}

export type IngestOutcome =
  | { readonly kind: 'queued'; readonly jobId: string }
  | { readonly kind: 'duplicate'; readonly jobId: string }
  | { readonly kind: 'skipped'; readonly reason: string };
