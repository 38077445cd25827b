// The reports this phone sent or still holds, and a box to look up any tracking code.
import { h } from '../dom.js';
import { normalCode, groupedCode } from './logic.js';
import { reports } from './store.js';
import { lang, t } from './text.js';

const day = (iso) => new Intl.DateTimeFormat(lang === 'en' ? 'en-GB' : 'zh-CN', { timeZone: 'Asia/Shanghai',
  month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }).format(new Date(iso));

export function mine() {
  const list = h('ul', { class: 'mine' });
  const section = h('section', { class: 'mine-section', hidden: true }, h('h2', {}, t('我的上报')), list);
  reports().then((items) => {
    section.hidden = !items.length;
    list.replaceChildren(...items.map((item) => {
      const name = item.categoryName?.[lang === 'en' ? 1 : 0] || '';
      if (item.state === 'sent') {
        return h('li', {}, h('a', { href: `#/status/${item.trackingCode}` },
          h('span', { class: 'code' }, groupedCode(item.trackingCode)), h('span', {}, name), h('span', { class: 'meta' }, day(item.queuedAt))));
      }
      return h('li', {}, h('a', { href: `#/sent/${item.id}` },
        h('span', { class: item.state === 'failed' ? 'error' : 'warn' }, t(item.state === 'failed' ? '未能发送' : '等待发送')),
        h('span', {}, name), h('span', { class: 'meta' }, day(item.queuedAt))));
    }));
  });
  return section;
}

export function lookup() {
  const input = h('input', { id: 'report-lookup', autocomplete: 'off', autocapitalize: 'characters', spellcheck: false,
                             maxlength: 16 });
  return h('form', { class: 'lookup', onsubmit: (event) => {
    event.preventDefault();
    const code = normalCode(input.value);
    if (code) location.hash = `#/status/${code}`;
  } }, h('h2', {}, t('查询进度')),
  h('label', { for: 'report-lookup' }, t('输入查询码')),
  h('div', { class: 'row' }, input, h('button', { type: 'submit', class: 'secondary' }, t('查询'))));
}
