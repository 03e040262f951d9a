import { DEFAULT_SMS_KEYWORDS, intentOf, keywordOf, keywordTable } from './sms-keywords';

describe('SMS keywords', () => {
  const table = keywordTable({ opt_out: ['Arrêt', 'stpo'], help: ['aide'] });

  it.each([
    ['STOP', 'opt_out'],
    ['stop', 'opt_out'],
    [' Stop. ', 'opt_out'],
    ['STOP!!!', 'opt_out'],
    ['s t o p', 'opt_out'],
    ['StopAll', 'opt_out'],
    ['unsubscribe', 'opt_out'],
    ['Cancel', 'opt_out'],
    ['end', 'opt_out'],
    ['QUIT', 'opt_out'],
    ['revoke', 'opt_out'],
    ['opt-out', 'opt_out'],
    ['ARRET', 'opt_out'],
    ['arrêt', 'opt_out'],
    ['STPO', 'opt_out'],
    ['start', 'opt_in'],
    ['Yes.', 'opt_in'],
    ['UNSTOP', 'opt_in'],
    ['help', 'help'],
    ['Info?', 'help'],
    ['AIDE', 'help'],
  ])('%j is %s', (text, intent) => {
    expect(intentOf(text, table)).toBe(intent);
  });

  it.each(['stop texting me', 'yes please', 'STOPPED', 'I want to quit the course', '', '!!!', 'STOP'.padEnd(80, ' x')])('%j is no keyword', (text) => {
    expect(intentOf(text, table)).toBeNull();
  });

  it("a site's word cannot take a standard one over", () => {
    expect(keywordTable({ opt_in: ['STOP'] }).get('STOP')).toBe('opt_out');
  });

  it('every standard word reads as itself', () => {
    for (const words of Object.values(DEFAULT_SMS_KEYWORDS)) for (const word of words) expect(keywordOf(word)).toBe(word);
  });
});
