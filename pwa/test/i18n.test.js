// Every text the app shows comes in both languages. A key is the Chinese text itself, so the source is
// scanned rather than trusted: every key passed to t() and every piece of Chinese text anywhere in
// pwa/src (the label tables that reach t() through a variable included) must have an English entry.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAst } from 'rollup/parseAst';
import { beforeAll, describe, expect, it, vi } from 'vitest';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));
const CHINESE = /[\u3400-\u9fff]/;
const PUNCTUATION_ONLY = /^[\s\p{P}\p{S}]*$/u; // '：', '、', '（', ' · ', '＋ ' need no entry of their own
// Shown as they are on purpose: the language switch names the other language in that language.
const AS_IS = new Set(['中文']);

let EN;
let i18n;
beforeAll(async () => {
  // i18n.js reads the chosen language from localStorage when it loads.
  vi.stubGlobal('localStorage', { getItem: () => null, setItem: () => {} });
  vi.stubGlobal('document', { documentElement: {} });
  i18n = await import('../src/i18n.js');
  ({ EN } = i18n);
});

const sources = fs.readdirSync(SRC, { recursive: true }).filter((name) => name.endsWith('.js'))
  .map((name) => ({ name, ast: parseAst(fs.readFileSync(path.join(SRC, name), 'utf8')) }));
const lineOf = (name, node) => `${name}:${fs.readFileSync(path.join(SRC, name), 'utf8').slice(0, node.start).split('\n').length}`;

// A string a node always is: a literal, a template without ${}, or literals joined with +.
function constant(node) {
  if (node.type === 'Literal' && typeof node.value === 'string') return node.value;
  if (node.type === 'TemplateLiteral' && !node.expressions.length) return node.quasis[0].value.cooked;
  if (node.type === 'BinaryExpression' && node.operator === '+') {
    const [left, right] = [constant(node.left), constant(node.right)];
    return left !== null && right !== null ? left + right : null;
  }
  return null;
}

// The strings an argument of t() can be: both branches of ?: and ||, a table's values, `{…}[kind]`.
function candidates(node) {
  const value = constant(node);
  if (value !== null) return [value];
  switch (node.type) {
    case 'ConditionalExpression': return [...candidates(node.consequent), ...candidates(node.alternate)];
    case 'LogicalExpression': return [...candidates(node.left), ...candidates(node.right)];
    case 'MemberExpression': return candidates(node.object);
    case 'ObjectExpression': return node.properties.flatMap((p) => (p.value ? candidates(p.value) : []));
    case 'ArrayExpression': return node.elements.flatMap((e) => (e ? candidates(e) : []));
    default: return [];
  }
}

/** Every key the source uses, with where: { key, where, viaT }; and template literals with Chinese in them. */
function scan() {
  const keys = [];
  const templates = [];
  for (const { name, ast } of sources) {
    if (name === 'i18n.js' || name.startsWith('report/')) continue; // the public page has its own table (report.test.js)
    const visit = (node) => {
      if (!node || typeof node.type !== 'string') return;
      if (node.type === 'CallExpression' && node.callee.type === 'Identifier' && node.callee.name === 't' && node.arguments[0]) {
        for (const key of candidates(node.arguments[0])) keys.push({ key, where: lineOf(name, node), viaT: true });
      }
      const value = constant(node);
      if (value !== null) {
        if (CHINESE.test(value)) keys.push({ key: value, where: lineOf(name, node), viaT: false });
        return; // a joined string is one text, not its pieces
      }
      if (node.type === 'TemplateElement' && CHINESE.test(node.value.cooked)) templates.push(`${lineOf(name, node)} ${node.value.cooked}`);
      for (const [field, child] of Object.entries(node)) {
        if (field === 'start' || field === 'end') continue;
        if (Array.isArray(child)) child.forEach(visit);
        else if (child && typeof child === 'object') visit(child);
      }
    };
    visit(ast);
  }
  return { keys: keys.filter(({ key }) => !PUNCTUATION_ONLY.test(key) && !AS_IS.has(key)), templates };
}

describe('translations', () => {
  const { keys, templates } = scan();

  it('finds the keys it is meant to check', () => {
    const found = new Set(keys.map(({ key }) => key));
    for (const key of ['拍照上报', '被退回', '待签收', '网络不可用', '请在地图上点选位置']) expect(found).toContain(key);
  });

  it('has an English entry for every key and every Chinese text in the source', () => {
    const missing = keys.filter(({ key }) => !Object.hasOwn(EN, key)).map(({ key, where }) => `${where} ${key}`);
    expect([...new Set(missing)]).toEqual([]);
  });

  it('shows the Chinese UI Chinese text: a key is the sentence itself', () => {
    const notChinese = keys.filter(({ key, viaT }) => viaT && !CHINESE.test(key)).map(({ key, where }) => `${where} ${key}`);
    expect([...new Set(notChinese)]).toEqual([]);
    // A short key with a long English text is a label for the text ("离线提示"), and the Chinese UI
    // would show the label: more than two English words per character of the key gives it away.
    const units = (key) => (key.match(/[\u3400-\u9fff]/g) || []).length + (key.match(/[A-Za-z0-9.]+/g) || []).length;
    const labels = [...new Set(keys.map(({ key }) => key))].filter((key) => EN[key]
      && EN[key].split(/\s+/).filter(Boolean).length > 2 * units(key));
    expect(labels).toEqual([]);
  });

  it('never mixes the two languages in one text', () => {
    const mixed = keys.filter(({ key }) => /[\u3400-\u9fff][^·]*·\s*[A-Za-z]{3,}/.test(key)).map(({ key, where }) => `${where} ${key}`);
    expect([...new Set(mixed)]).toEqual([]);
    // Chinese words built into a template bypass t(): make them a key with {placeholders}.
    expect(templates.filter((text) => !PUNCTUATION_ONLY.test(text.split(' ').slice(1).join(' ')))).toEqual([]);
  });

  it('keeps each placeholder in the English text, and defines each key once', () => {
    const names = (text) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    expect(Object.entries(EN).filter(([key, text]) => names(key).join() !== names(text).join())).toEqual([]);
    const table = sources.find(({ name }) => name === 'i18n.js').ast.body
      .map((node) => node.declaration ?? node).find((node) => node.declarations?.[0].id.name === 'EN').declarations[0].init;
    const defined = table.properties.map((p) => p.key.name ?? p.key.value);
    expect(defined.filter((key, i) => defined.indexOf(key) !== i)).toEqual([]);
  });
});

describe('t and errorText', () => {
  it('fill placeholders and speak the current language', () => {
    const { t, errorText, setLang } = i18n;
    setLang('zh');
    expect(t('还有 {n} 项未发送。退出登录会从本机删除它们，确定吗？', { n: 2 })).toMatch(/^还有 2 项未发送/);
    expect(errorText(Object.assign(new Error('网络不可用'), { code: 'network' }))).toBe('网络不可用');
    expect(errorText({ message: '维护中', message_en: 'Under maintenance' })).toBe('维护中');
    setLang('en');
    expect(errorText(Object.assign(new Error('网络不可用'), { code: 'network' }))).toBe(EN['网络不可用']);
    expect(errorText({ message: '维护中', message_en: 'Under maintenance' })).toBe('Under maintenance');
    expect(t('本机还有 {name} 未发送的工单，发送后才能换人登录', { name: '张三' })).toContain('张三');
    setLang('zh');
  });
});
