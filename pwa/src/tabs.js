// The tab bar, one row at any width: the role's first tabs in the bar and, where the rest have no room (ten
// tabs on a 360 px phone), a 更多 button that discloses them as a list of links above the bar.
import { h } from './dom.js';
import { t } from './i18n.js';

/**
 * How many tabs keep a place in the bar: the row is cut into equal slots, each as wide as the widest label
 * in it. All of them if they fit, else as many as fit beside 更多 (always the first, the role's main work).
 */
function fitting(widths, moreWidth, rowWidth) {
  if (Math.max(...widths) * widths.length <= rowWidth) return widths.length;
  let count = widths.length - 1;
  while (count > 1 && Math.max(moreWidth, ...widths.slice(0, count)) * (count + 1) > rowWidth) count -= 1;
  return count;
}

let nav = null;
let links = [];
const badge = h('span', { class: 'badge', hidden: true });
const button = h('button', { type: 'button', class: 'more-button', 'aria-expanded': 'false',
                             'aria-controls': 'tab-menu' }, t('更多'), badge);
const menu = h('ul', { id: 'tab-menu', class: 'tab-menu', hidden: true });
const more = h('div', { class: 'more' }, button, menu);

function isOpen() {
  return button.getAttribute('aria-expanded') === 'true';
}

function open({ focus } = {}) {
  menu.hidden = false;
  button.setAttribute('aria-expanded', 'true');
  const items = [...menu.querySelectorAll('a')];
  (focus === 'last' ? items.at(-1) : focus === 'first' ? items[0] : null)?.focus();
}

function close({ focus = false } = {}) {
  if (!isOpen()) return;
  menu.hidden = true;
  button.setAttribute('aria-expanded', 'false');
  if (focus) button.focus();
}

button.addEventListener('click', () => (isOpen() ? close() : open()));
// The menu opens upwards, over the page: ArrowUp reaches its nearest link, the last.
button.addEventListener('keydown', (event) => {
  if (event.key !== 'ArrowUp' && event.key !== 'ArrowDown') return;
  event.preventDefault();
  open({ focus: event.key === 'ArrowUp' ? 'last' : 'first' });
});
menu.addEventListener('keydown', (event) => {
  const items = [...menu.querySelectorAll('a')];
  const step = { ArrowDown: 1, ArrowUp: -1 }[event.key];
  let next = null;
  if (step) next = items[(items.indexOf(document.activeElement) + step + items.length) % items.length];
  else if (event.key === 'Home') next = items[0];
  else if (event.key === 'End') next = items.at(-1);
  if (!next) return;
  event.preventDefault();
  next.focus();
});
menu.addEventListener('click', (event) => { if (event.target.closest('a')) close(); });
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape' && isOpen()) close({ focus: more.contains(document.activeElement) });
});
document.addEventListener('click', (event) => { if (!more.contains(event.target)) close(); });
more.addEventListener('focusout', (event) => {
  if (event.relatedTarget && !more.contains(event.relatedTarget)) close();
});

/** Copy the count of a badge in the menu (the outbox's) onto 更多, so unsent work stays in sight. */
export function reflectBadges() {
  const shown = menu.querySelector('.badge:not([hidden])');
  badge.hidden = !shown;
  badge.textContent = shown?.textContent || '';
}

/** Mark the open view's tab; 更多 too when that tab is in its menu. Navigating closes the menu. */
export function markCurrent(view) {
  for (const link of links) {
    if (link.getAttribute('href') === `#/${view}`) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  if (menu.querySelector('[aria-current="page"]')) button.setAttribute('aria-current', 'true');
  else button.removeAttribute('aria-current');
  close();
}

/** Put each tab in the bar or the menu, by the labels' widths as drawn and the bar's width now. */
function layout() {
  if (!nav || nav.hidden) return;
  close();
  nav.classList.add('measuring');
  nav.replaceChildren(...links, more);
  const width = (node) => Math.ceil(node.getBoundingClientRect().width);
  const count = fitting(links.map(width), width(button), nav.clientWidth);
  nav.classList.remove('measuring');
  nav.replaceChildren(...links.slice(0, count), ...(count < links.length ? [more] : []));
  menu.replaceChildren(...links.slice(count).map((link) => h('li', {}, link)));
  const current = links.find((link) => link.hasAttribute('aria-current'));
  markCurrent(current ? current.getAttribute('href').slice(2) : null);
  reflectBadges();
}

// A new width (a phone turned, a window resized), not a new height (the on-screen keyboard).
let laidOutAt = window.innerWidth;
window.addEventListener('resize', () => {
  if (window.innerWidth === laidOutAt) return;
  laidOutAt = window.innerWidth;
  requestAnimationFrame(layout);
});

/** Show these tab links (in the role's order) in the bar `into`. */
export function showTabs(into, tabLinks) {
  nav = into;
  links = tabLinks;
  nav.hidden = false;
  layout();
}
