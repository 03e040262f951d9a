/**
 * Every string the admin shows comes from translations/en.json (the type check proves each key
 * used exists). This checks the other direction, so the file holds no dead strings, and that no
 * component bypasses it with a literal message.
 */
import fs from 'node:fs';
import path from 'node:path';
import en from '../translations/en.json';

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

describe('translations/en.json', () => {
  it('has no key that the admin never uses', () => {
    const unused = Object.keys(en).filter((key) => !code.includes(`'${key}'`));
    expect(unused).toEqual([]);
  });

  it('is the only source of messages: no formatMessage with an inline message', () => {
    const inline = code.match(/formatMessage\(\s*\{\s*id:/g) ?? [];
    expect(inline).toEqual([]);
    expect(code).not.toMatch(/defaultMessage:\s*['"]/);
  });
});
