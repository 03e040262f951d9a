/**
 * The `categories` section of the plugin config: each category's policy (core/categories.ts). A
 * site overrides a default category's fields, or adds its own categories by name.
 */
import { CATEGORY_NAME, DEFAULT_CATEGORY_POLICIES, UNCATEGORISED_POLICY, type CategoryPolicies, type CategoryPolicy } from '../core/categories';
import { PolicyError, isPlainObject } from '../core/policy';

const FIELDS: readonly (keyof CategoryPolicy)[] = ['sendToUnsubscribed', 'fallback', 'oneClickUnsubscribe'];

function categoryPolicy(key: string, value: unknown, base: CategoryPolicy): CategoryPolicy {
  if (!isPlainObject(value)) throw new PolicyError(key, `an object of ${FIELDS.join(', ')}`, value);
  const unknown = Object.keys(value).find((field) => !(FIELDS as readonly string[]).includes(field));
  if (unknown) throw new PolicyError(`${key}.${unknown}`, `one of ${FIELDS.join(', ')}`, value[unknown]);
  const policy = { ...base };
  for (const field of FIELDS) {
    const given = value[field];
    if (given === undefined) continue;
    if (typeof given !== 'boolean') throw new PolicyError(`${key}.${field}`, 'true or false', given);
    policy[field] = given;
  }
  return policy;
}

/** The defaults, with the site's overrides and additions; a new category starts from "no" on every field. */
export function validateCategories(key: string, input: unknown): CategoryPolicies {
  if (input === undefined) return DEFAULT_CATEGORY_POLICIES;
  if (!isPlainObject(input)) throw new PolicyError(key, 'an object of categories by name', input);
  const policies: Record<string, CategoryPolicy> = { ...DEFAULT_CATEGORY_POLICIES };
  for (const [name, value] of Object.entries(input)) {
    if (!CATEGORY_NAME.test(name)) throw new PolicyError(`${key}.${name}`, 'a name of lowercase letters, digits, - and _', name);
    const isDefault = Object.prototype.hasOwnProperty.call(DEFAULT_CATEGORY_POLICIES, name);
    const base = isDefault ? DEFAULT_CATEGORY_POLICIES[name] : UNCATEGORISED_POLICY;
    policies[name] = categoryPolicy(`${key}.${name}`, value, base);
  }
  return policies;
}
