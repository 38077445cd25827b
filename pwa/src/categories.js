// The category picker's order and search: what this inspector reports most, then what is reported
// most in this cell, then what is most common in the county; search by Chinese name, pinyin initials
// (rxdltc → 人行道乱停车) or code.

// The county's usual problems, most common first (parking, stalls, garbage, piled goods, bikes, ads…):
// the order a new inspector in a new cell starts with. The catalogue itself carries no frequency.
export const COUNTY_ORDER = ['0506', '0505', '0502', '0501', '0504', '0102', '0508', '0507', '0201', '0104',
  '0108', '0509', '0510', '0103', '0601', '0606', '0401', '0402', '0403', '0202', '0511'];

/** Categories ordered for the picker: by `mine` (this phone's counts), then by `cell` (the cell's
 * counts), then by COUNTY_ORDER; the catalogue's order breaks the remaining ties. */
export function pickerOrder(categories, { mine = {}, cell = {} } = {}) {
  const county = (code) => (COUNTY_ORDER.includes(code) ? COUNTY_ORDER.indexOf(code) : COUNTY_ORDER.length);
  return categories
    .map((category, index) => ({ category, index, code: category.code }))
    .sort((a, b) => (mine[b.code] || 0) - (mine[a.code] || 0) || (cell[b.code] || 0) - (cell[a.code] || 0)
      || county(a.code) - county(b.code) || a.index - b.index)
    .map(({ category }) => category);
}

/** How often each category appears among these tickets: { code: count }. */
export function countCategories(tickets) {
  const counts = {};
  for (const ticket of tickets) counts[ticket.category.code] = (counts[ticket.category.code] || 0) + 1;
  return counts;
}

export function search(categories, query) {
  const q = query.trim().toLowerCase();
  if (!q) return categories;
  return categories.filter((c) => c.name.includes(query.trim()) || (c.pinyin || '').startsWith(q)
    || c.code.startsWith(q) || (c.name_en || '').toLowerCase().includes(q));
}
