// A tracking code's page: the stage in plain words, the public category, the after-photos once fixed, the
// reason when not accepted. Nothing else: the server answers no more than that (PublicStatus).
import { h } from '../dom.js';
import { groupedCode } from './logic.js';
import { getJson } from './public.js';
import { lang, said, t } from './text.js';

// The way a report goes when all is well; `closed` and `rejected` end it otherwise.
const STEPS = [['received', '已收到'], ['accepted', '已受理'], ['fixed', '已整改']];

const when = (iso) => new Intl.DateTimeFormat(lang === 'en' ? 'en-GB' : 'zh-CN', { timeZone: 'Asia/Shanghai',
  year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }).format(new Date(iso));

export function render(root, { code }) {
  const box = h('section', { class: 'status', 'aria-live': 'polite', 'aria-busy': 'true' });
  root.append(h('h2', {}, t('处理进度')), h('p', { class: 'code' }, groupedCode(code)), box,
    h('div', { class: 'row' }, h('button', { type: 'button', class: 'secondary', onclick: () => load(box, code) }, t('刷新')),
      h('a', { href: '#/', class: 'button' }, t('返回'))));
  load(box, code);
}

async function load(box, code) {
  box.setAttribute('aria-busy', 'true');
  const { value, error, status } = await getJson(`/api/v1/public/reports/${encodeURIComponent(code)}`);
  box.setAttribute('aria-busy', 'false');
  if (!value) {
    box.replaceChildren(h('p', { class: 'error' }, status === 404 ? t('查询码不存在') : `${t('暂时无法查询，请稍后再试')}（${said(error)}）`));
    return;
  }
  const en = lang === 'en';
  const reached = STEPS.findIndex(([stage]) => stage === value.stage);
  box.replaceChildren(...[
    h('p', { class: `stage ${value.stage}`, id: 'report-stage' }, en ? value.stage_text_en : value.stage_text),
    reached >= 0 ? h('ol', { class: 'steps' }, ...STEPS.map(([stage, words], n) =>
      h('li', { class: n <= reached ? 'done' : null, 'aria-current': n === reached ? 'step' : null }, t(words)))) : null,
    h('dl', {},
      h('dt', {}, t('问题类型')), h('dd', {}, en ? value.category_name_en : value.category_name),
      h('dt', {}, t('提交时间')), h('dd', {}, when(value.received_at)),
      value.reject_reason ? [h('dt', {}, t('未受理原因')), h('dd', { id: 'report-reason' }, value.reject_reason)] : null),
    value.after_photos.length ? [h('h3', {}, t('整改后照片')), h('div', { class: 'after' },
      ...value.after_photos.map((url, n) => h('img', { src: url, alt: `${t('整改后照片')} ${n + 1}`, loading: 'lazy' })))] : null,
  ].flat().filter(Boolean));
}
