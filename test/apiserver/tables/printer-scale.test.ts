import { describe, expect, it } from 'vitest';
import type { Scale } from '../../../src/api/autoscaling-v1.js';
import { scaleTableConvertor } from '../../../src/apiserver/tables/printer-scale.js';
import { HOUR, NOW, ago } from './fixtures.js';

describe('scale printer', () => {
  it('prints NAME DESIRED AVAILABLE AGE', () => {
    const s: Scale = { metadata: { name: 'web', namespace: 'default', creationTimestamp: ago(30 * HOUR) }, spec: { replicas: 3 }, status: { replicas: 2, selector: 'app=web' } };
    expect(scaleTableConvertor.row(s, NOW).cells).toEqual(['web', 3, 2, '30h']);
    expect(scaleTableConvertor.columns.map((c) => [c.name, c.type, c.format])).toEqual([
      ['Name', 'string', ''],
      ['Desired', 'integer', ''],
      ['Available', 'integer', ''],
      ['Age', 'string', ''],
    ]);
  });
});
