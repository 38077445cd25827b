// The language both pages speak (the staff app and the public page): Chinese unless English was chosen,
// kept in localStorage; and a lookup of Chinese keys in a page's own English table.
export let lang = localStorage.getItem('gridpatrol.lang') === 'en' ? 'en' : 'zh';

export function setLang(value) {
  lang = value;
  localStorage.setItem('gridpatrol.lang', value);
  document.documentElement.lang = value === 'en' ? 'en' : 'zh-CN';
}

/** t(key, values) over this English table: the text in the current language, its {placeholders} filled. */
export function translator(EN) {
  return (key, values) => {
    const text = (lang === 'en' && EN[key]) || key;
    return values && typeof text === 'string' ? text.replace(/\{(\w+)\}/g, (all, name) => values[name] ?? all) : text;
  };
}
