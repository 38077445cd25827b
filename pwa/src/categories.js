// The category picker's order and search: what this inspector reports most, then what is reported
// most in this cell, then the county's order as the admin sets it (系统管理 · 问题类别, the order the server
// lists them in); search by Chinese name, pinyin initials (rxdltc → 人行道乱停车) or code.

/** Categories ordered for the picker: by `mine` (this phone's counts), then by `cell` (the cell's
 * counts); the catalogue's order (the admin's) breaks the remaining ties. */
export function pickerOrder(categories, { mine = {}, cell = {} } = {}) {
  return categories
    .map((category, index) => ({ category, index, code: category.code }))
    .sort((a, b) => (mine[b.code] || 0) - (mine[a.code] || 0) || (cell[b.code] || 0) - (cell[a.code] || 0)
      || a.index - b.index)
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
