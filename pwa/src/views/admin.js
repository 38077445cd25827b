// 系统管理 (admin only): accounts, units, categories, the working calendar and the audit trail. Each section
// is a module of its own, loaded when opened; a banner on every section while next year has no calendar.
import { api } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';
import './admin.css';

const SECTIONS = {
  accounts: ['账号管理', () => import('./admin-accounts.js')],
  bureaus: ['单位管理', () => import('./admin-bureaus.js')],
  catalog: ['问题类别', () => import('./admin-catalog.js')],
  rules: ['派遣规则', () => import('./admin-rules.js')],
  calendar: ['工作日历', () => import('./admin-calendar.js')],
  grid: ['网格管理', () => import('./admin-grid.js')],
  county: ['县区设置', () => import('./admin-county.js')],
  public: ['随手拍设置', () => import('./admin-public.js')],
  audit: ['操作记录', () => import('./admin-audit.js')],
};

export async function render(context) {
  const [name, ...rest] = context.params;
  const section = SECTIONS[name] ? name : 'accounts';
  const nav = h('nav', { class: 'chips admin-nav', 'aria-label': t('系统管理') },
    ...Object.entries(SECTIONS).map(([key, [label]]) => h('a', { class: 'chip', href: `#/admin/${key}`,
      'aria-current': key === section ? 'true' : null }, t(label))));
  const [module, banner] = await Promise.all([SECTIONS[section][1](), calendarBanner()]);
  return h('div', { class: 'admin' }, nav, banner, await module.render({ ...context, params: rest }));
}

// Without the official schedule the server assumes Monday–Friday next year: every deadline over the Spring
// Festival would be wrong. Shown from October, when the State Council usually publishes it.
async function calendarBanner() {
  const now = new Date();
  if (now.getMonth() < 9) return null;
  const year = now.getFullYear() + 1;
  try {
    const overrides = await api(`/api/v1/calendar/overrides?year=${year}`);
    if (overrides.length) return null;
  } catch {
    return null; // the section says what failed
  }
  return h('p', { class: 'banner admin-banner', role: 'status' }, t('{year} 年的节假日安排尚未录入，目前按周一至周五上班计算期限。', { year }), ' ',
    h('a', { href: '#/admin/calendar' }, t('录入')));
}
