/**
 * Every string the admin shows comes from translations/en.json (the type check proves each key
 * used exists). This checks the other direction, so the file holds no dead strings, that no
 * component bypasses it with a literal message, that fr.json translates every string and no
 * other, and that the server's reason templates are the English entries the admin renders.
 */
import fs from 'node:fs';
import path from 'node:path';
import en from '../translations/en.json';
import fr from '../translations/fr.json';
import { PROVIDER_LABELS, REASON_TEMPLATES } from '../../../server/src/core/reasons';

const ROOT = path.resolve(__dirname, '..');

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    return /\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) ? [full] : [];
  });
}

const code = sources(ROOT)
  .map((file) => fs.readFileSync(file, 'utf8'))
  .join('\n');

/** Keys the admin builds from a code (`reason.${code}`) rather than naming them. */
const BUILT = /^reason\./;

/** The ICU arguments of a message: `{name}`, `{count, plural, …}`. */
const argumentsOf = (text: string): string[] => [...new Set([...text.matchAll(/\{\s*(\w+)\s*[,}]/g)].map((m) => m[1]))].sort();

describe('translations/en.json', () => {
  it('has no key that the admin never uses', () => {
    const unused = Object.keys(en).filter((key) => !BUILT.test(key) && !code.includes(`'${key}'`));
    expect(unused).toEqual([]);
  });

  it('holds every reason the server writes, in the same English words', () => {
    const entries = en as Record<string, string>;
    const expected = {
      ...Object.fromEntries(Object.entries(REASON_TEMPLATES).map(([code, text]) => [`reason.${code}`, text])),
      ...Object.fromEntries(Object.entries(PROVIDER_LABELS).map(([name, label]) => [`reason.provider.${name}`, label])),
    };
    expect(Object.fromEntries(Object.keys(entries).filter((key) => BUILT.test(key)).map((key) => [key, entries[key]]))).toEqual(expected);
  });

  it('is the only source of messages: no formatMessage with an inline message', () => {
    const inline = code.match(/formatMessage\(\s*\{\s*id:/g) ?? [];
    expect(inline).toEqual([]);
    expect(code).not.toMatch(/defaultMessage:\s*['"]/);
  });
});

describe('translations/fr.json', () => {
  it('has exactly the keys of en.json', () => {
    expect(Object.keys(fr).filter((key) => !(key in en))).toEqual([]);
    expect(Object.keys(en).filter((key) => !(key in fr))).toEqual([]);
  });

  it('uses the same arguments as the English text, and translates it', () => {
    const english = en as Record<string, string>;
    const french = fr as Record<string, string>;
    const mismatched = Object.keys(english).filter((key) => key in french && argumentsOf(english[key]).join() !== argumentsOf(french[key]).join());
    expect(mismatched).toEqual([]);
    expect(Object.keys(english).every((key) => typeof french[key] === 'string' && french[key].trim() !== '')).toBe(true);
  });
});
