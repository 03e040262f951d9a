import { createHash } from 'crypto';
import { normalizeAddress } from './addresses';
import { CHANNELS, type Channel, type EventKind, type NormalizedEvent } from './events';
import { LISTED_RAW_TYPE_PREFIX } from './listed';
import type { AddressState } from './statuses';

/**
 * A suppression list from another system, as CSV with the columns `address, channel, state,
 * reason, date`, validated row by row. Pure: the service applies the accepted rows, all or none.
 * Each row becomes the event its state stands for, so the import goes through the same decisions
 * as a provider's report (a suppression never moves an address down, an entry older than a
 * reactivation is history), and a key derived from the row makes importing a file twice harmless.
 */

export const IMPORT_COLUMNS = ['address', 'channel', 'state', 'reason', 'date'] as const;
export const MAX_IMPORT_ROWS = 50_000;
const MAX_REASON = 1000;

/** The states a row may name, the event each stands for, and the channels it exists on. */
const STATE_EVENTS: Partial<Record<AddressState, { kind: EventKind; channels: Channel[] }>> = {
  failed: { kind: 'hard_bounce', channels: ['email', 'sms'] },
  complained: { kind: 'complaint', channels: ['email'] },
  unsubscribed: { kind: 'unsubscribe', channels: ['email'] },
  opted_out: { kind: 'opt_out', channels: ['sms'] },
};

export interface ImportRow {
  line: number;
  channel: Channel;
  address: string;
  state: AddressState;
  reason: string | null;
  /** Epoch ms. */
  date: number;
}

export interface Refusal {
  /** The line in the file (1: the header). */
  line: number;
  reason: string;
}

type Positions = Record<(typeof IMPORT_COLUMNS)[number], number>;
type Checked<T> = { ok: true; value: T } | { ok: false; refusal: Refusal };
const refuse = (line: number, reason: string): { ok: false; refusal: Refusal } => ({ ok: false, refusal: { line, reason } });

/** The header's column positions (any order; `reason` and `date` may be left out). */
function columnsOf(header: string[]): Checked<Positions> {
  const names = header.map((h) => h.trim().toLowerCase());
  const positions = Object.fromEntries(IMPORT_COLUMNS.map((c) => [c, names.indexOf(c)])) as Positions;
  const missing = (['address', 'channel', 'state'] as const).filter((c) => positions[c] < 0);
  if (missing.length > 0) return refuse(1, `The header has no ${missing.join(', ')} column (expected: ${IMPORT_COLUMNS.join(', ')}).`);
  return { ok: true, value: positions };
}

function validateRow(cells: string[], line: number, at: Positions, now: number): Checked<ImportRow> {
  const cell = (name: (typeof IMPORT_COLUMNS)[number]): string => (at[name] >= 0 ? (cells[at[name]] ?? '').trim() : '');
  const channel = cell('channel').toLowerCase();
  if (!(CHANNELS as readonly string[]).includes(channel)) return refuse(line, `channel must be ${CHANNELS.join(' or ')}.`);
  const state = cell('state').toLowerCase() as AddressState;
  const meaning = STATE_EVENTS[state];
  if (!meaning) return refuse(line, `state must be one of ${Object.keys(STATE_EVENTS).join(', ')} (an import only suppresses).`);
  if (!meaning.channels.includes(channel as Channel)) return refuse(line, `${state} does not apply to ${channel}.`);
  const address = normalizeAddress(channel as Channel, cell('address'));
  if (!address)
    return refuse(
      line,
      channel === 'email' ? 'the address is not a valid email address.' : 'the address is not a mobile number the plugin can read.',
    );
  const reason = cell('reason');
  if (reason.length > MAX_REASON) return refuse(line, `the reason is longer than ${MAX_REASON} characters.`);
  const rawDate = cell('date');
  const date = rawDate === '' ? now : Date.parse(rawDate);
  if (Number.isNaN(date)) return refuse(line, 'the date is not a date (use ISO 8601, such as 2026-03-01 or 2026-03-01T09:30:00Z).');
  if (date > now + 60_000) return refuse(line, 'the date is in the future.');
  return { ok: true, value: { line, channel: channel as Channel, address, state, reason: reason || null, date } };
}

/** Every row checked; a file is applied only when `refused` is empty. */
export function validateImport(text: string, parse: (text: string) => string[][], now: number): { rows: ImportRow[]; refused: Refusal[] } {
  let table: string[][];
  try {
    table = parse(text);
  } catch (error) {
    return { rows: [], refused: [{ line: 0, reason: `The file is not readable CSV: ${(error as Error).message}.` }] };
  }
  if (table.length < 2) return { rows: [], refused: [{ line: 0, reason: 'The file has no rows under its header.' }] };
  if (table.length - 1 > MAX_IMPORT_ROWS)
    return { rows: [], refused: [{ line: 0, reason: `The file has more than ${MAX_IMPORT_ROWS} rows: split it.` }] };
  const positions = columnsOf(table[0]);
  if (!positions.ok) return { rows: [], refused: [positions.refusal] };
  const rows: ImportRow[] = [];
  const refused: Refusal[] = [];
  const seen = new Map<string, number>();
  table.slice(1).forEach((cells, i) => {
    const checked = validateRow(cells, i + 2, positions.value, now);
    if (!checked.ok) return void refused.push(checked.refusal);
    const row = checked.value;
    const key = `${row.channel}:${row.address}`;
    if (seen.has(key)) return void refused.push({ line: row.line, reason: `the same address is on line ${seen.get(key)}.` });
    seen.set(key, row.line);
    rows.push(row);
  });
  return { rows, refused };
}

/** The event an accepted row stands for. */
export function importedEvent(row: ImportRow): NormalizedEvent {
  const kind = STATE_EVENTS[row.state]!.kind;
  const key = createHash('sha256').update(`${row.channel}|${row.address}|${row.state}|${row.date}`).digest('hex').slice(0, 40);
  return {
    provider: 'import',
    channel: row.channel,
    kind,
    address: row.address,
    providerMessageId: null,
    correlationId: null,
    attempt: null,
    eventKey: `import:${key}`,
    occurredAt: row.date,
    rawType: `${LISTED_RAW_TYPE_PREFIX}import`,
    rawCode: row.state,
    rawText: row.reason,
    severity: 'permanent',
  };
}
