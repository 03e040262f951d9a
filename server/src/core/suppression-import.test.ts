import { csvLine, parseCsv } from './csv';
import { importedEvent, validateImport } from './suppression-import';

const now = Date.UTC(2026, 10, 30, 12);
const check = (text: string) => validateImport(text, parseCsv, now);

describe('CSV', () => {
  it('reads quoted fields with commas, quotes and line breaks, CRLF lines and a byte-order mark', () => {
    expect(parseCsv('\ufeffa,b\r\n"x, y","say ""hi""\nthere"\r\n\r\n')).toEqual([
      ['a', 'b'],
      ['x, y', 'say "hi"\nthere'],
    ]);
    expect(() => parseCsv('a,"b')).toThrow(/not closed/);
  });

  it('writes what it reads, and keeps a spreadsheet from running a field as a formula (phone numbers untouched)', () => {
    const line = csvLine(['+447700900123', '=HYPERLINK("x")', 'a,b', null]);
    expect(line).toBe('+447700900123,"\'=HYPERLINK(""x"")","a,b",\r\n');
    expect(parseCsv(line)).toEqual([['+447700900123', '\'=HYPERLINK("x")', 'a,b', '']]);
  });
});

describe('validateImport', () => {
  it('accepts rows in any column order, normalizes addresses, and dates a row without a date now', () => {
    const { rows, refused } = check(
      'state,address,channel,date,reason\nfailed, Amira@Example.AC.UK ,email,2026-03-01,Mailbox gone\nopted_out,+44 7700 900123,sms,,\n',
    );
    expect(refused).toEqual([]);
    expect(rows).toEqual([
      { line: 2, channel: 'email', address: 'amira@example.ac.uk', state: 'failed', reason: 'Mailbox gone', date: Date.UTC(2026, 2, 1) },
      { line: 3, channel: 'sms', address: '+447700900123', state: 'opted_out', reason: null, date: now },
    ]);
  });

  it('refuses each bad row with its line and why, and a repeated address', () => {
    const { refused } = check(
      [
        'address,channel,state,reason,date',
        'not-an-address,email,failed,,',
        'a@example.ac.uk,fax,failed,,',
        'a@example.ac.uk,email,active,,',
        '+447700900123,sms,complained,,',
        'b@example.ac.uk,email,failed,,yesterday',
        'c@example.ac.uk,email,failed,,2099-01-01',
        'd@example.ac.uk,email,unsubscribed,,',
        'D@example.ac.uk,email,failed,,',
      ].join('\n'),
    );
    expect(refused.map((r) => r.line)).toEqual([2, 3, 4, 5, 6, 7, 9]);
    expect(refused[0].reason).toMatch(/not a valid email/);
    expect(refused[2].reason).toMatch(/only suppresses/);
    expect(refused[3].reason).toMatch(/complained does not apply to sms/);
    expect(refused[5].reason).toMatch(/future/);
    expect(refused[6].reason).toMatch(/same address is on line 8/);
  });

  it('refuses a file without the needed columns or rows', () => {
    expect(check('email,kind\nx@y.z,failed').refused[0].reason).toMatch(/no address, channel, state column/);
    expect(check('address,channel,state\n').refused[0].reason).toMatch(/no rows/);
  });

  it('turns a row into the event its state stands for, with a key that a second import repeats', () => {
    const { rows } = check('address,channel,state\nx@example.ac.uk,email,complained\n');
    const event = importedEvent(rows[0]);
    expect(event).toMatchObject({
      provider: 'import',
      kind: 'complaint',
      channel: 'email',
      occurredAt: now,
      rawType: 'suppression-list/import',
    });
    expect(importedEvent(check('address,channel,state\nX@example.ac.uk,email,complained\n').rows[0]).eventKey).toBe(event.eventKey);
  });
});
