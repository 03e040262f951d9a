/**
 * SendGrid Event Webhook batches for the intake benchmark: exactly `events` events a batch, over
 * 400 messages that the Strapi child seeded as `sent` (see `intakeMessage`), in a mix of what
 * SendGrid reports: processed, delivered, deferred (SendGrid still retrying), hard bounces,
 * blocked (soft) bounces, drops, spam complaints, and repeats of earlier events (SendGrid sends
 * each event about three times on average), shuffled. Deterministic: the runner, which signs and
 * posts the batches, and the child, which feeds the same events to the baselines, build the same
 * bytes from the same spec.
 */
import { contactEmail, intakeMessage } from './dataset';

export const MESSAGES_PER_BATCH = 400;

export interface BatchSpec {
  /** Names the pass (`small`, `large`): event ids differ between passes. */
  pass: string;
  /**
   * Names the arm that ingests the batch (`plugin`, `ideal`, `naive`): event ids differ between
   * arms, the mix of events does not (each arm has its own messages, from `firstMessage`).
   */
  arm?: string;
  batch: number;
  /** Number of the pass's first intake message; batch b uses the next 400 from first + 400 b. */
  firstMessage: number;
  contacts: number;
  events: number;
  /** Epoch ms the events' times are relative to. */
  now: number;
}

export interface Batch {
  body: string;
  fresh: number;
  duplicates: number;
  kinds: Record<string, number>;
}

type SgEvent = Record<string, string | number>;

/** mulberry32: a small, seedable PRNG, so batches are reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function seedOf(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i += 1) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

// What happens to one message, and how often: about 2.1 events a message.
const PATTERNS: { weight: number; events: string[] }[] = [
  { weight: 55, events: ['processed', 'delivered'] },
  { weight: 12, events: ['processed', 'deferred', 'delivered'] },
  { weight: 8, events: ['processed', 'deferred'] },
  { weight: 8, events: ['processed', 'bounce'] },
  { weight: 6, events: ['processed', 'blocked'] },
  { weight: 7, events: ['dropped'] },
  { weight: 4, events: ['processed', 'delivered', 'spamreport'] },
];
const TOTAL_WEIGHT = PATTERNS.reduce((s, p) => s + p.weight, 0);

function freshEvents(spec: BatchSpec): SgEvent[] {
  const random = prng(seedOf(`${spec.pass}:${spec.batch}`));
  const out: SgEvent[] = [];
  const startSeconds = Math.floor(spec.now / 1000) - 900;
  for (let m = 0; m < MESSAGES_PER_BATCH; m += 1) {
    const n = spec.firstMessage + spec.batch * MESSAGES_PER_BATCH + m;
    const message = intakeMessage(n, spec.contacts);
    let pick = random() * TOTAL_WEIGHT;
    const pattern = PATTERNS.find((p) => (pick -= p.weight) < 0) ?? PATTERNS[0];
    pattern.events.forEach((kind, j) => {
      const base: SgEvent = {
        email: contactEmail(message.contact),
        timestamp: startSeconds + m + j * 60,
        sg_event_id: `${spec.arm ?? 'plugin'}-${spec.pass}-${spec.batch}-${m}-${j}`,
        sg_message_id: `${message.providerMessageId}.filter0001.bench`,
        deliverability_id: message.documentId,
        deliverability_attempt: '1',
        'smtp-id': `<${message.providerMessageId}@bench.example.ac.uk>`,
        category: 'touchpoint',
      };
      switch (kind) {
        case 'bounce':
          out.push({ ...base, event: 'bounce', type: 'bounce', status: '5.1.1', reason: '550 5.1.1 The email account that you tried to reach does not exist.', bounce_classification: 'Invalid Address' });
          break;
        case 'blocked':
          out.push({ ...base, event: 'bounce', type: 'blocked', status: '4.2.2', reason: '452 4.2.2 The email account that you tried to reach is over quota.', bounce_classification: 'Mailbox Unavailable' });
          break;
        case 'deferred':
          out.push({ ...base, event: 'deferred', response: '451 4.4.1 Temporary failure, try again later', attempt: '1' });
          break;
        case 'delivered':
          out.push({ ...base, event: 'delivered', response: '250 2.0.0 OK', ip: '167.89.0.1', tls: 1 });
          break;
        case 'dropped':
          out.push({ ...base, event: 'dropped', reason: 'Bounced Address', status: '5.0.0' });
          break;
        default:
          out.push({ ...base, event: kind });
      }
    });
  }
  return out;
}

export function buildBatch(spec: BatchSpec): Batch {
  const random = prng(seedOf(`${spec.pass}:${spec.batch}:mix`));
  const fresh = freshEvents(spec).slice(0, spec.events);
  const previous = spec.batch > 0 ? freshEvents({ ...spec, batch: spec.batch - 1 }) : fresh;
  const all = [...fresh];
  // Repeats: half of this batch's own events, half of the batch before (already stored by then).
  while (all.length < spec.events) {
    const from = all.length % 2 === 0 ? fresh : previous;
    all.push(from[Math.floor(random() * from.length)]);
  }
  for (let i = all.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [all[i], all[j]] = [all[j], all[i]];
  }
  const kinds: Record<string, number> = {};
  for (const e of fresh) {
    const kind = e.event === 'bounce' ? `bounce/${e.type as string}` : (e.event as string);
    kinds[kind] = (kinds[kind] ?? 0) + 1;
  }
  return { body: JSON.stringify(all), fresh: fresh.length, duplicates: spec.events - fresh.length, kinds };
}

/** How many intake messages a pass of `batches` batches uses. */
export const messagesFor = (batches: number): number => batches * MESSAGES_PER_BATCH;
