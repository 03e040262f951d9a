import { filtersOf, isComplete, type Condition } from './filters';

const c = (field: string, operator: Condition['operator'], value = ''): Condition => ({ field, operator, value });

describe('filtersOf', () => {
  it('selects every contact when no condition is complete', () => {
    expect(filtersOf([])).toEqual({});
    expect(filtersOf([c('', '$eq', 'x'), c('lastName', '$eq', '  ')])).toEqual({});
  });

  it('joins complete conditions with $and, trimming values', () => {
    expect(filtersOf([c('lastName', '$eq', ' Okafor '), c('email', '$endsWith', 'example.ac.uk')])).toEqual({
      $and: [{ lastName: { $eq: 'Okafor' } }, { email: { $endsWith: 'example.ac.uk' } }],
    });
  });

  it('sends "is empty" and "is set" without a value', () => {
    expect(filtersOf([c('mobile', '$null'), c('email', '$notNull', 'ignored')])).toEqual({
      $and: [{ mobile: { $null: true } }, { email: { $notNull: true } }],
    });
  });

  it('leaves out a condition without a field or a needed value', () => {
    expect(isComplete(c('lastName', '$containsi'))).toBe(false);
    expect(isComplete(c('lastName', '$null'))).toBe(true);
    expect(filtersOf([c('lastName', '$containsi'), c('firstName', '$eq', 'Ada')])).toEqual({ $and: [{ firstName: { $eq: 'Ada' } }] });
  });
});
