// A tiny DOM builder: text is always set as text, so nothing from the server is parsed as HTML.
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (key === 'class') node.className = value;
    else if (key === 'style') node.style.cssText = value; // through CSSOM: the policy refuses style attributes
    else if (key in node && typeof value !== 'string') node[key] = value;
    else node.setAttribute(key, value === true ? '' : value);
  }
  node.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

export const $ = (selector, root = document) => root.querySelector(selector);

export function toast(message, { error = false } = {}) {
  const node = h('div', { class: error ? 'toast error' : 'toast', role: error ? 'alert' : 'status' }, message);
  document.body.append(node);
  setTimeout(() => node.remove(), 4000);
}

export function formatTime(value) {
  if (!value) return '';
  return new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', month: '2-digit', day: '2-digit',
                                            hour: '2-digit', minute: '2-digit' }).format(new Date(value));
}
