// The dispatcher's 随手拍审核: citizens' reports waiting for review, oldest first, each decided into a
// ticket (受理), joined to an open ticket (合并) or turned down with a reason the reporter sees (不予受理).
// Decisions go straight to the server: the desk is online, and a report must not be decided twice.
import { api, imageUrl } from '../api.js';
import { h, formatTime, toast } from '../dom.js';
import { t, lang, errorText } from '../i18n.js';
import { split } from './parts.js';
import './review.css';

const TABS = [['received', '待审核'], ['accepted', '已受理'], ['merged', '已合并'], ['rejected', '不予受理']];
const REASONS = ['不属于城市管理范围', '照片无法看清问题', '位置不在本县', '重复上报', '问题已处理'];
const OPEN = 'reported,dispatched,accepted,rework,rectified,returned';
const NEAR_M = 500; // open tickets this close are offered for a merge

function metres(a, b) {
  const rad = Math.PI / 180;
  const x = (b.lon - a.lon) * rad * Math.cos(((a.lat + b.lat) / 2) * rad);
  return Math.round(Math.hypot(x, (b.lat - a.lat) * rad) * 6371000);
}

const channel = (report) => (report.channel === 'open311' ? `Open311 · ${report.system || ''}` : t('随手拍页面'));

function reportRow(report, href, current) {
  return h('li', { class: 'row' },
    h('a', { href, class: `ticket${current ? ' current' : ''}`, 'data-id': report.id },
      h('div', { class: 'row-body' },
        h('strong', {}, report.category_name), ' ', h('span', { class: 'mark' }, channel(report)),
        h('div', { class: 'meta' }, [formatTime(report.received_at), t('定位精度 {m} 米', { m: Math.round(report.accuracy_m) }),
                                     report.tracking_code].join(' · ')))));
}

function photos(report) {
  const box = h('div', { class: 'photos' });
  for (const photo of report.photos) {
    if (!photo.received) { box.append(h('p', { class: 'hint' }, t('照片未收到'))); continue; }
    const img = h('img', { alt: t('市民照片'), class: 'photo' });
    const original = h('a', { href: '#', onclick: async (event) => {
      event.preventDefault();
      try { window.open(await imageUrl(photo.original_url), '_blank', 'noopener'); } catch (error) { toast(errorText(error), { error: true }); }
    } }, t('原图'));
    imageUrl(photo.display_url).then((url) => { img.src = url; }).catch(() => { img.alt = t('图片加载失败'); });
    box.append(h('figure', {}, img, h('figcaption', {}, original)));
  }
  return box;
}

function detail(report, categories, { decide }) {
  const mapBox = h('div', { class: 'minimap', 'aria-label': t('位置') });
  requestAnimationFrame(() => {
    if (!mapBox.isConnected) return;
    import('../minimap.js').then(({ miniMap }) => miniMap(mapBox, { lat: report.lat, lon: report.lon }))
      .catch(() => mapBox.replaceWith(h('p', { class: 'hint' }, `${report.lat.toFixed(5)}, ${report.lon.toFixed(5)}`)));
  });
  const facts = h('dl', { class: 'facts' },
    h('dt', {}, t('编号')), h('dd', {}, report.tracking_code),
    h('dt', {}, t('来源')), h('dd', {}, channel(report)),
    h('dt', {}, t('上报时间')), h('dd', {}, formatTime(report.received_at)),
    h('dt', {}, t('定位精度')), h('dd', {}, t('{m} 米', { m: Math.round(report.accuracy_m) })),
    h('dt', {}, t('联系电话')), h('dd', {}, report.phone ? h('a', { href: `tel:${report.phone}` }, report.phone) : t('未留')),
    report.media_url ? h('dt', {}, t('外部链接')) : null,
    report.media_url ? h('dd', {}, h('a', { href: report.media_url, target: '_blank', rel: 'noopener noreferrer' }, report.media_url)) : null);
  // textContent through h(): the resident's words are never HTML
  const description = h('p', { class: 'description' }, report.description || t('（无描述）'));
  const head = h('h2', {}, report.category_name);
  if (report.status !== 'received') {
    return h('article', { class: 'review-detail' }, head, photos(report), description, facts, mapBox,
      h('p', { class: 'hint' }, report.reject_reason ? `${t('理由')}: ${report.reject_reason}` : ''),
      report.ticket_id ? h('a', { href: `#/tickets/${report.ticket_id}` }, t('查看工单')) : null);
  }

  const category = h('select', { name: 'category', 'aria-label': t('问题类别') },
    ...categories.map((c) => h('option', { value: c.code, selected: c.code === report.category_code },
      `${c.code} ${lang === 'en' && c.name_en ? c.name_en : c.name}`)));
  const accept = h('form', { class: 'decision', 'data-decision': 'accept', onsubmit: (event) => {
    event.preventDefault();
    decide('accept', category.value === report.category_code ? {} : { category: category.value });
  } }, h('h3', {}, t('受理')), h('label', {}, t('问题类别'), ' ', category), h('button', { type: 'submit' }, t('受理')));

  const ticketField = h('input', { name: 'ticket_id', placeholder: t('工单编号（UUID）'), required: true,
                                   pattern: '[0-9a-fA-F-]{36}', 'aria-label': t('合并到的工单') });
  const nearby = h('ul', { class: 'nearby' }, h('li', { class: 'hint' }, t('正在查找附近的工单…')));
  api(`/api/v1/tickets?status=${OPEN}&category=${encodeURIComponent(report.category_code)}&limit=200`).then((page) => {
    const close = (page.items || page).filter((tk) => tk.location)
      .map((tk) => ({ tk, m: metres(report, tk.location) })).filter(({ m }) => m <= NEAR_M).sort((a, b) => a.m - b.m);
    nearby.replaceChildren(...(close.length ? close.slice(0, 8).map(({ tk, m }) => h('li', {}, h('label', {},
      h('input', { type: 'radio', name: 'near', value: tk.id, onchange: () => { ticketField.value = tk.id; } }),
      ` ${lang === 'en' ? tk.category.name_en : tk.category.name} · ${tk.cell_name || ''} · ${t('{m} 米', { m })} · ${formatTime(tk.created_at)}`)))
      : [h('li', { class: 'hint' }, t('附近 {m} 米内没有同类未结工单', { m: NEAR_M }))]));
  }).catch((error) => nearby.replaceChildren(h('li', { class: 'hint' }, errorText(error))));
  const merge = h('form', { class: 'decision', 'data-decision': 'merge', onsubmit: (event) => {
    event.preventDefault();
    decide('merge', { ticket_id: ticketField.value.trim() });
  } }, h('h3', {}, t('合并')), nearby, ticketField, h('button', { type: 'submit' }, t('合并')));

  const reason = h('textarea', { name: 'reason', maxlength: 200, rows: 2, required: true, 'aria-label': t('不予受理的理由') });
  const reject = h('form', { class: 'decision', 'data-decision': 'reject', onsubmit: (event) => {
    event.preventDefault();
    decide('reject', { reason: reason.value.trim() });
  } }, h('h3', {}, t('不予受理')),
  h('div', { class: 'chips' }, ...REASONS.map((text) => h('button', { type: 'button', class: 'chip', onclick: () => { reason.value = t(text); } }, t(text)))),
  reason, h('p', { class: 'hint' }, t('理由会显示给上报人')), h('button', { type: 'submit', class: 'danger' }, t('不予受理')));

  return h('article', { class: 'review-detail' }, head, photos(report), description, facts, mapBox, accept, merge, reject);
}

export async function render({ params, query, rerender }) {
  const status = new URLSearchParams(query).get('status') || 'received';
  const [reports, categories] = await Promise.all([
    api(`/api/v1/citizen-reports?status=${status}&limit=200`), api('/api/v1/categories')]);
  const suffix = status === 'received' ? '' : `?status=${status}`;
  const openId = params[0];
  const report = reports.find((r) => r.id === openId);
  const tabs = h('nav', { class: 'chips', 'aria-label': t('按状态筛选') },
    ...TABS.map(([key, label]) => h('a', { href: `#/review${key === 'received' ? '' : '?status=' + key}`,
                                          class: 'chip', 'aria-current': key === status ? 'true' : null }, t(label))));
  const list = h('div', { id: 'review-list' }, tabs,
    h('p', { class: 'count' }, t('共 {n} 条上报', { n: reports.length })),
    reports.length ? h('ul', { class: 'tickets' }, ...reports.map((r) => reportRow(r, `#/review/${r.id}${suffix}`, r.id === openId)))
      : h('p', { class: 'hint' }, status === 'received' ? t('没有待审核的上报') : t('没有记录')));

  let busy = false;
  async function decide(action, body) {
    if (busy) return; // one decision at a time: a double click must not send two
    busy = true;
    const buttons = [...document.querySelectorAll('.review-detail button')];
    buttons.forEach((b) => { b.disabled = true; });
    document.querySelector('.review-detail')?.setAttribute('aria-busy', 'true');
    try {
      await api(`/api/v1/citizen-reports/${report.id}/${action}`, { method: 'POST', json: body });
      toast(t({ accept: '已受理', merge: '已合并', reject: '已不予受理' }[action]));
      const next = reports[reports.indexOf(report) + 1] || reports[reports.indexOf(report) - 1];
      const target = next ? `#/review/${next.id}${suffix}` : `#/review${suffix}`;
      if (location.hash === target) rerender(); else location.hash = target;
    } catch (error) {
      toast(errorText(error), { error: true });
      buttons.forEach((b) => { b.disabled = false; });
      document.querySelector('.review-detail')?.removeAttribute('aria-busy');
      busy = false;
    }
  }
  const back = h('a', { href: `#/review${suffix}`, class: 'back' }, `‹ ${t('返回')}`);
  return split(list, report ? h('div', {}, back, detail(report, categories, { decide })) : null,
    reports.length ? t('选择一条上报') : '');
}
