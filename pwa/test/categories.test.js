import { describe, expect, it } from 'vitest';
import { countCategories, pickerOrder, search } from '../src/categories.js';

// In the admin's order, as the server sends them: the county's common problems first.
const categories = [
  { code: '0506', name: '人行道乱停车', name_en: 'parking on the sidewalk', pinyin: 'rxdltc' },
  { code: '0505', name: '机动车乱停放 (道路)', name_en: 'illegal car parking on the road', pinyin: 'jdclt' },
  { code: '0502', name: '占道经营', name_en: 'street stalls', pinyin: 'zdjy' },
  { code: '0501', name: '流动摊贩', name_en: 'street vendors', pinyin: 'ldtf' },
  { code: '0102', name: '暴露垃圾', name_en: 'exposed garbage', pinyin: 'blj' },
  { code: '0201', name: '非法小广告', name_en: 'illegal flyers', pinyin: 'ffxgg' },
  { code: '0104', name: '道路不洁', name_en: 'dirty road', pinyin: 'dlbj' },
  { code: '0108', name: '卫生死角', name_en: 'neglected corner', pinyin: 'wssj' },
  { code: '0103', name: '积存垃圾渣土', name_en: 'accumulated waste', pinyin: 'jcljzt' },
  { code: '0801', name: '文明养犬', name_en: 'responsible dog keeping', pinyin: 'wmyq' },
];
const codes = (list) => list.map((c) => c.code);

describe('category picker order', () => {
  it("starts a new inspector in a new cell in the admin's order", () => {
    expect(codes(pickerOrder(categories))).toEqual(codes(categories));
  });

  it("puts what the cell reports most before the county's order", () => {
    const cell = countCategories([{ category: { code: '0801' } }, { category: { code: '0801' } }, { category: { code: '0104' } }]);
    expect(cell).toEqual({ '0801': 2, '0104': 1 });
    expect(codes(pickerOrder(categories, { cell })).slice(0, 3)).toEqual(['0801', '0104', '0506']);
  });

  it('puts what this inspector reports most before everything else', () => {
    const order = codes(pickerOrder(categories, { mine: { '0201': 3, '0102': 1 }, cell: { '0801': 9 } }));
    expect(order.slice(0, 4)).toEqual(['0201', '0102', '0801', '0506']);
  });
});

describe('category search', () => {
  it('searches Chinese names, pinyin initials, codes and English names, keeping the order it is given', () => {
    expect(codes(search(categories, '停车'))).toEqual(['0506']);
    expect(codes(search(categories, 'RXD'))).toEqual(['0506']);
    expect(codes(search(categories, '010'))).toEqual(['0102', '0104', '0108', '0103']);
    expect(codes(search(pickerOrder(categories), 'parking'))).toEqual(['0506', '0505']);
    expect(search(categories, ' ')).toHaveLength(categories.length);
  });
});
