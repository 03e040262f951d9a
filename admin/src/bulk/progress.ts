import type { BulkSendStatus, BulkSendView, StatusCounts } from '../utils/api';
import type { TranslationKey } from '../utils/translations';

/** The figures a bulk send's page shows, from its counts: what is left, what went, what came back. */
export interface BulkFigures {
  /** Still to hand over. */
  queued: number;
  /** Handed to a provider (whatever came back since). */
  sent: number;
  delivered: number;
  /** Hard bounces and, for SMS, failures: messages that will not arrive. */
  bounced: number;
  complained: number;
  /** Not sent: their address is suppressed. */
  dropped: number;
  /** Messages no longer waiting (sent, dropped, or taken off the queue by a cancel), of `total`. */
  done: number;
  total: number;
  /** `done` of `total`, 0 to 100, whole. */
  percent: number;
}

const sum = (counts: StatusCounts, keys: (keyof StatusCounts)[]): number => keys.reduce((n, k) => n + (counts[k] ?? 0), 0);

export function figuresOf(send: Pick<BulkSendView, 'counts' | 'total' | 'cancelledCount'>): BulkFigures {
  const { counts } = send;
  const queued = counts.queued ?? 0;
  const dropped = counts.dropped ?? 0;
  const sent = sum(counts, ['sent', 'deferred', 'delivered', 'bounced', 'complained', 'failed']);
  const done = Math.min(send.total, sent + dropped + send.cancelledCount);
  return {
    queued,
    sent,
    delivered: counts.delivered ?? 0,
    bounced: sum(counts, ['bounced', 'failed']),
    complained: counts.complained ?? 0,
    dropped,
    done,
    total: send.total,
    percent: send.total > 0 ? Math.floor((done / send.total) * 100) : 0,
  };
}

/** Sends the worker is handing over: the list polls while there is one. */
export const isSending = (status: BulkSendStatus): boolean => status === 'queued' || status === 'running';

/**
 * Sends whose figures still move: their page polls. A paused send too: the batch in flight when it
 * paused, and the reports of what was already handed over, still come in.
 */
export const isActive = (status: BulkSendStatus): boolean => isSending(status) || status === 'paused';

export const canPause = (status: BulkSendStatus): boolean => status === 'queued' || status === 'running';
export const canResume = (status: BulkSendStatus): boolean => status === 'paused';
export const canCancel = (status: BulkSendStatus): boolean => status === 'queued' || status === 'running' || status === 'paused';

export const BULK_STATUS_KEYS: Record<BulkSendStatus, TranslationKey> = {
  queued: 'bulk.status.queued',
  running: 'bulk.status.running',
  paused: 'bulk.status.paused',
  cancelled: 'bulk.status.cancelled',
  done: 'bulk.status.done',
};

export const BULK_STATUS_COLOURS: Record<BulkSendStatus, { background: string; text: string }> = {
  queued: { background: 'neutral150', text: 'neutral700' },
  running: { background: 'primary100', text: 'primary700' },
  paused: { background: 'warning100', text: 'warning700' },
  cancelled: { background: 'neutral700', text: 'neutral0' },
  done: { background: 'success100', text: 'success700' },
};

export const BREAKER_METRIC_KEYS: Record<'hardBounceRate' | 'complaintRate' | 'smsFailureRate', TranslationKey> = {
  hardBounceRate: 'bulk.breaker.hardBounceRate',
  complaintRate: 'bulk.breaker.complaintRate',
  smsFailureRate: 'bulk.breaker.smsFailureRate',
};
