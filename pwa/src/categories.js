// The category picker's order and search: the inspector's most-used categories first, then the
// catalogue's order; search by Chinese name, pinyin initials (rxdltc → 人行道乱停车) or code.

/** Categories ordered for the picker: by this phone's use count, ties in catalogue order. */
export function byUse(categories, counts = {}) {
  return categories
    .map((category, index) => ({ category, index, uses: counts[category.code] || 0 }))
    .sort((a, b) => b.uses - a.uses || a.index - b.index)
    .map(({ category }) => category);
}

export function search(categories, query) {
  const q = query.trim().toLowerCase();
  if (!q) return categories;
  return categories.filter((c) => c.name.includes(query.trim()) || (c.pinyin || '').startsWith(q)
    || c.code.startsWith(q) || (c.name_en || '').toLowerCase().includes(q));
}
