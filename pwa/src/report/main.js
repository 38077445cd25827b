// 随手拍: the public page. No account, no cookie; its own small bundle (the staff app is never loaded).
// Hash routes: #/ the form, #/sent/<uuid> a report on its way, #/status/<code> a tracking code's page.
import './report.css';
import { h } from '../dom.js';
import { route } from './logic.js';
import { render as form } from './form.js';
import { render as sent } from './sent.js';
import { render as status } from './status.js';
import { start } from './send.js';
import { lang, setLang, t } from './text.js';
import photoWorker from '../photo-worker.js?worker&url';

const VIEWS = { form, sent, status };
let leave = null;

function show() {
  leave?.();
  const where = route(location.hash);
  setLang(lang);
  document.title = `${t('随手拍')} · gridpatrol`;
  const main = h('main', { id: 'report', 'data-view': where.view });
  const other = lang === 'en' ? 'zh' : 'en';
  document.body.replaceChildren(
    h('header', { class: 'bar' }, h('h1', {}, h('a', { href: '#/' }, t('随手拍'))),
      h('button', { type: 'button', class: 'lang', lang: other === 'en' ? 'en' : 'zh-CN',
                    onclick: () => { setLang(other); show(); } }, other === 'en' ? 'English' : '中文')),
    main);
  leave = VIEWS[where.view](main, where) || null;
  window.scrollTo(0, 0);
}

window.addEventListener('hashchange', show);
show();
start();
// The photo worker loads when the first photo is taken, maybe offline by then, and this page has no service
// worker: fetched now, the browser's cache (a year, fingerprinted) has it ready.
fetch(photoWorker).catch(() => {});
