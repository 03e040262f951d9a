/**
 * The compose form's recipient filter: a few conditions on the contact type's fields, all of
 * which must hold, turned into the Content Manager's filter object that the server takes
 * (`{ $and: [{ lastName: { $eq: 'Okafor' } }] }`). Kept to what an editor needs for a mailing:
 * equality, text matches and "is empty / is set".
 */

export const OPERATORS = ['$eq', '$ne', '$containsi', '$startsWith', '$endsWith', '$null', '$notNull'] as const;
export type Operator = (typeof OPERATORS)[number];

/** Operators that take no value: the condition is about the field being empty or set. */
const VALUELESS: ReadonlySet<Operator> = new Set(['$null', '$notNull']);

export const takesValue = (operator: Operator): boolean => !VALUELESS.has(operator);

export interface Condition {
  field: string;
  operator: Operator;
  value: string;
}

/** Whether a condition is complete enough to send (a field, and a value when its operator needs one). */
export function isComplete(condition: Condition): boolean {
  return condition.field !== '' && (!takesValue(condition.operator) || condition.value.trim() !== '');
}

/**
 * The filter object for the complete conditions; `{}` (every contact of the type) when there are
 * none. Incomplete rows are left out rather than sent half-made: the preview shows what they select.
 */
export function filtersOf(conditions: readonly Condition[]): Record<string, unknown> {
  const complete = conditions.filter(isComplete);
  if (complete.length === 0) return {};
  return {
    $and: complete.map(({ field, operator, value }) => ({ [field]: { [operator]: takesValue(operator) ? value.trim() : true } })),
  };
}
