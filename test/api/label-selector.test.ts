import { describe, expect, it } from 'vitest';
import type { NodeSelectorOperator } from '../../src/api/core-v1.js';
import { InvalidRequirementError, LabelSelectorParseError } from '../../src/api/errors.js';
import { labelSelectorAsSelector, nodeSelectorRequirementsAsSelector } from '../../src/api/label-selector.js';
import type { LabelSelectorOperator } from '../../src/api/meta-v1.js';

describe('labelSelectorAsSelector', () => {
  it('matches nothing for an absent selector and everything for an empty one', () => {
    expect(labelSelectorAsSelector(undefined).matches({ app: 'web' })).toBe(false);
    expect(labelSelectorAsSelector(null).matches({})).toBe(false);
    expect(labelSelectorAsSelector({}).matches({ app: 'web' })).toBe(true);
    expect(labelSelectorAsSelector({ matchLabels: {}, matchExpressions: [] }).empty()).toBe(true);
  });

  it('ANDs matchLabels and matchExpressions, printing them sorted by key', () => {
    const s = labelSelectorAsSelector({
      matchLabels: { tier: 'frontend', app: 'web' },
      matchExpressions: [
        { key: 'env', operator: 'In', values: ['prod', 'canary'] },
        { key: 'track', operator: 'NotIn', values: ['legacy'] },
        { key: 'owner', operator: 'Exists' },
        { key: 'deprecated', operator: 'DoesNotExist' },
      ],
    });
    expect(s.toString()).toBe('app=web,!deprecated,env in (canary,prod),owner,tier=frontend,track notin (legacy)');
    expect(s.matches({ app: 'web', tier: 'frontend', env: 'prod', owner: 'me' })).toBe(true);
    expect(s.matches({ app: 'web', tier: 'frontend', env: 'prod', owner: 'me', track: 'legacy' })).toBe(false);
    expect(s.matches({ app: 'web', tier: 'frontend', env: 'dev', owner: 'me' })).toBe(false);
    expect(s.matches({ app: 'web', tier: 'frontend', env: 'prod', owner: 'me', deprecated: 'yes' })).toBe(false);
    expect(s.requiresExactMatch('app')).toBe('web');
  });

  it('rejects unknown operators and invalid requirements with Kubernetes messages', () => {
    expect(() => labelSelectorAsSelector({ matchExpressions: [{ key: 'a', operator: 'Gt' as LabelSelectorOperator, values: ['1'] }] })).toThrow(
      new LabelSelectorParseError('"Gt" is not a valid label selector operator'),
    );
    expect(() => labelSelectorAsSelector({ matchExpressions: [{ key: 'a', operator: 'In' }] })).toThrow(
      "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty",
    );
    expect(() => labelSelectorAsSelector({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] })).toThrow(
      'values: Invalid value: []string{"x"}: values set must be empty for exists and does not exist',
    );
    expect(() => labelSelectorAsSelector({ matchLabels: { app: 'a b' } })).toThrow(InvalidRequirementError);
  });
});

describe('nodeSelectorRequirementsAsSelector', () => {
  it('matches nothing for an empty term', () => {
    expect(nodeSelectorRequirementsAsSelector([]).matches({ zone: 'a' })).toBe(false);
    expect(nodeSelectorRequirementsAsSelector(undefined).matches({})).toBe(false);
  });

  it('supports Gt and Lt on integer label values', () => {
    const s = nodeSelectorRequirementsAsSelector([
      { key: 'cpus', operator: 'Gt', values: ['4'] },
      { key: 'gen', operator: 'Lt', values: ['10'] },
      { key: 'zone', operator: 'In', values: ['a', 'b'] },
    ]);
    expect(s.toString()).toBe('cpus>4,gen<10,zone in (a,b)');
    expect(s.matches({ cpus: '8', gen: '3', zone: 'a' })).toBe(true);
    expect(s.matches({ cpus: '4', gen: '3', zone: 'a' })).toBe(false);
    expect(s.matches({ cpus: 'many', gen: '3', zone: 'a' })).toBe(false);
  });

  it('rejects an unknown operator', () => {
    expect(() => nodeSelectorRequirementsAsSelector([{ key: 'a', operator: 'Equals' as NodeSelectorOperator, values: ['1'] }])).toThrow(
      '"Equals" is not a valid node selector operator',
    );
  });
});
