import { describe, expect, it } from 'vitest';
import { byUse, search } from '../src/categories.js';

const categories = [
  { code: '0501', name: '占道经营', name_en: 'street stalls', pinyin: 'zdjy' },
  { code: '0506', name: '人行道乱停车', name_en: 'parking on the sidewalk', pinyin: 'rxdltc' },
  { code: '0601', name: '暴露垃圾', name_en: 'exposed garbage', pinyin: 'blljs' },
];

describe('category picker', () => {
  it('puts the most used first and keeps catalogue order for ties', () => {
    expect(byUse(categories, { '0601': 3, '0506': 1 }).map((c) => c.code)).toEqual(['0601', '0506', '0501']);
    expect(byUse(categories).map((c) => c.code)).toEqual(['0501', '0506', '0601']);
  });
  it('searches Chinese names, pinyin initials and codes', () => {
    expect(search(categories, '停车').map((c) => c.code)).toEqual(['0506']);
    expect(search(categories, 'RXD').map((c) => c.code)).toEqual(['0506']);
    expect(search(categories, '06').map((c) => c.code)).toEqual(['0601']);
    expect(search(categories, ' ')).toHaveLength(3);
  });
});
