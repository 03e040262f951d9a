/**
 * The benchmark's data set, defined by formulas so that the runner (which builds webhook batches
 * and picks students) and the Strapi child (which seeds the rows) agree without shipping rows
 * between them. Everything is derived from a row's number, so a run is reproducible.
 */

export const CONTACT_TYPE = 'plugin::deliverability.contact';

/** Students 1..HEAVY_CONTACTS have about 1,000 messages each at full scale; the rest about ten. */
export const HEAVY_CONTACTS = 10;
/** One log in this many belongs to a heavy student (`seedLogs`). */
export const HEAVY_EVERY = 100;

/** The messages each heavy student has among `logs` logs: they grow with the data. */
export const heavyMessages = (logs: number): number => Math.round(logs / HEAVY_EVERY / HEAVY_CONTACTS);

export interface Sizes {
  scale: number;
  contacts: number;
  /** Logs in the large database (one send_attempt event each). */
  logs: number;
  /** Logs in the small database (the retrier's 10,000-log case). */
  smallLogs: number;
  /**
   * The students the small database's logs belong to (about ten each, as every typical student
   * has in the large one), so that Full Logs read pages of the same size at both sizes.
   */
  smallContacts: number;
  batchEvents: number;
  /** Signed batches posted to the plugin, on the small database and again on the large one. */
  intakeBatches: number;
  intakeBatchesLarge: number;
  /** Batches the naive peer gets (it is slow; its rate is per event anyway). */
  naiveBatches: number;
  sends: number;
  sendConcurrency: number;
  retrierDue: number;
  /** Due messages in the re-send tick whose transport answers after 50 ms. */
  latencyDue: number;
  retrierFew: number;
  retrierRepeats: number;
  fullLogsQueries: number;
  reportQueries: number;
}

/**
 * Every size at `scale`. Above 1 only the stored data grows (BENCH_SCALE=10: 10,000,000 logs and
 * 1,000,000 students): the work measured on it stays that of scale 1, and the small database stays
 * at 10,000 logs, so that the large step is read against the same small one.
 */
export function sizesFor(scale: number): Sizes {
  const work = Math.min(scale, 1);
  const at = (n: number, min: number, by = work) => Math.max(min, Math.round(n * by));
  return {
    scale,
    contacts: at(100_000, 1_000, scale),
    logs: at(1_000_000, 20_000, scale),
    smallLogs: at(10_000, 1_000),
    smallContacts: at(1_000, 100),
    batchEvents: 1_000,
    intakeBatches: at(60, 10),
    intakeBatchesLarge: at(30, 10),
    naiveBatches: at(3, 1),
    sends: at(10_000, 500),
    sendConcurrency: 4,
    retrierDue: at(10_000, 500),
    latencyDue: at(1_000, 200),
    retrierFew: 10,
    retrierRepeats: 7,
    fullLogsQueries: at(300, 50),
    reportQueries: 30,
  };
}

export const pad = (n: number, width: number): string => String(n).padStart(width, '0');

export const contactDocumentId = (k: number): string => `bc${pad(k, 22)}`;
export const contactEmail = (k: number): string => `student${k}@example.ac.uk`;
export const contactMobile = (k: number): string => `+447${100_000_000 + k}`;
/** Every 50th student's email has hard-bounced: sends to it are dropped. */
export const emailSuppressed = (k: number): boolean => k % 50 === 0;

/** The messages the intake batches report on: seeded as `sent` through SendGrid. */
export function intakeMessage(n: number, contacts: number): { documentId: string; contact: number; email: string; providerMessageId: string } {
  const contact = 1 + ((n * 7) % contacts);
  return { documentId: `bi${pad(n, 22)}`, contact, email: contactEmail(contact), providerMessageId: `sgi${n}` };
}

/** Deferred messages whose next attempt is due: what the retrier claims. */
export function dueMessage(n: number, contacts: number): { documentId: string; contact: number; email: string } {
  const contact = 1 + ((n * 13) % contacts);
  return { documentId: `bd${pad(n, 22)}`, contact, email: contactEmail(contact) };
}

/**
 * Students whose Full Logs are read: typical ones among students `from`..`to` (chosen to have
 * about ten messages at the size read) and the few heavy ones.
 */
export function fullLogsStudents(count: number, from: number, to: number): { typical: number[]; heavy: number[] } {
  const typical: number[] = [];
  for (let i = 0; i < count; i += 1) typical.push(from + ((i * 7_919) % (to - from + 1)));
  const heavy = Array.from({ length: HEAVY_CONTACTS }, (_, i) => i + 1);
  return { typical, heavy };
}
