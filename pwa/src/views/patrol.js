// 今日巡查: the key points due today in my cells, nearest first, and the patrol of one of them against
// its type's checklist. Works offline from the phone's copies of the due list and the checklists; a
// saved patrol is one outbox item (the patrol, a ticket per failed item, all their photos) and counts
// as done on this phone at once.
import { h, formatTime, toast } from '../dom.js';
import { errorText, lang, t } from '../i18n.js';
import { reference } from '../data.js';
import { kvGet, kvSet } from '../db.js';
import { countyDay, distanceM, fixErrorKey, watchBestFix, POOR_ACCURACY_M } from '../geo.js';
import { preparePhoto } from '../photo.js';
import { enqueue, items } from '../outbox.js';
import { requestBackgroundSync } from '../sw-sync.js';

const DEFAULT_RADIUS_M = 50;
const MAX_PHOTOS = 9;
const RESULTS = [['pass', '合格'], ['fail', '不合格'], ['na', '不适用']];
let stopWatching = null;
window.addEventListener('hashchange', () => { stopWatching?.(); stopWatching = null; });

export async function render({ params, sync }) {
  stopWatching?.();
  let due;
  try {
    due = await reference('patrolsDue', { refresh: !params[0] }); // the form needs the points, not fresh flags
  } catch (error) {
    return h('p', { class: 'card error', role: 'alert' }, error.code === 'no_copy'
      ? t('离线且无缓存数据，请联网后重新登录') : errorText(error));
  }
  // Each entry is {key_point, due, done, …}: flattened, the list and the form read a point's fields directly.
  due.value.points = due.value.points.map(({ key_point: point, ...status }) => ({ ...point, ...status }));
  const pointTypes = await reference('pointTypes', { refresh: false }).then((r) => r.value).catch(() => []);
  const typeNames = Object.fromEntries(pointTypes.map((p) => [p.code, lang === 'en' ? p.name_en : p.name]));
  const context = { due, today: countyDay(), typeName: (point) => typeNames[point.point_type] || point.point_type_name || '' };
  if (!params[0]) return pointList(context, await doneHere(context.today, due.stale));
  const point = due.value.points.find((p) => String(p.id) === params[0])
    || (await reference('keyPoints', { refresh: false }).then((r) => r.value).catch(() => []))
      .find((p) => String(p.id) === params[0]);
  const back = h('a', { href: '#/patrol', class: 'back' }, `‹ ${t('返回')}`);
  if (!point) return h('section', {}, back, h('p', { class: 'error', role: 'alert' }, t('找不到该点位')));
  return patrolForm(context, point, { back, sync });
}

/** Key points patrolled today on this phone: queued in the outbox, or (while the due list is an older
 * copy that cannot know it yet) sent from it. */
async function doneHere(today, stale) {
  const queued = (await items()).filter((item) => item.kind === 'patrol' && countyDay(new Date(item.body.started_at)) === today)
    .map((item) => item.body.key_point_id);
  const saved = stale ? await kvGet('patrolled') : null;
  return new Set([...queued, ...(saved?.day === today ? saved.ids : [])]);
}

async function rememberPatrolled(today, pointId) {
  const sent = await kvGet('patrolled');
  await kvSet('patrolled', { day: today, ids: [...new Set([...(sent?.day === today ? sent.ids : []), pointId])] });
}

const metres = (m) => (m >= 1000 ? `${(m / 1000).toFixed(1)} km` : `${Math.round(m)} m`);

function marks(point, typeName) {
  const tags = [point.has_cctv ? t('监控') : null, point.declared ? t('申报') : null,
                point.patrol_frequency === 'weekly' ? t('每周') : null].filter(Boolean);
  return [h('span', { class: 'type' }, typeName), ...tags.map((tag) => h('span', { class: 'tag' }, tag))];
}

function pointList({ due, today, typeName }, doneLocally) {
  // A copy from an earlier day still lists the points, but its done flags belong to that day.
  const current = due.value.date === today;
  const points = due.value.points.filter((p) => p.due || (current && p.done));
  const isDone = (point) => (current && point.done) || doneLocally.has(point.id);
  const list = h('ul', { class: 'points', id: 'patrol-list' });
  const fixText = h('p', { class: 'hint', id: 'patrol-fix', 'aria-live': 'polite' }, t('定位中'));
  const tally = h('p', { id: 'patrol-tally' });
  let fix = null;
  function draw() {
    const away = (point) => (fix ? distanceM(fix.lat, fix.lon, point.lat, point.lon) : null);
    // What is left to do comes first, nearest first: the next point to walk to is at the top.
    const ordered = points.map((point, index) => ({ point, index, away: away(point), done: isDone(point) }))
      .sort((a, b) => a.done - b.done || (a.away ?? 0) - (b.away ?? 0) || a.index - b.index);
    tally.textContent = `${t('已巡查')} ${points.filter(isDone).length} / ${points.length}`;
    list.replaceChildren(...(ordered.length ? ordered.map(({ point, away: distance, done }) => h('li', {},
      h('a', { href: `#/patrol/${point.id}`, class: done ? 'point done' : 'point', 'data-id': point.id },
        h('span', { class: 'point-head' }, h('strong', {}, point.name),
          h('span', { class: done ? 'result done' : 'result todo' }, done ? `✓ ${t('已巡查')}` : t('未巡查'))),
        h('span', { class: 'meta point-tags' }, ...marks(point, typeName(point)),
          distance === null ? null : h('span', { class: 'away' }, metres(distance))))))
      : [h('li', { class: 'empty' }, t('今天没有要巡查的点位'))]));
  }
  draw();
  stopWatching = watchBestFix((best, { final }) => {
    fix = best;
    fixText.textContent = best ? `${t('按距离排序')} · ±${Math.round(best.accuracy)} m` : final ? t('无法定位') : t('定位中');
    draw();
  }, { onError: (error) => { fixText.textContent = t(fixErrorKey(error)); } });
  return h('section', { class: 'patrol' }, h('h2', {}, t('今日巡查')),
    due.stale ? h('p', { class: 'hint' }, `${t('离线数据')} · ${t('上次更新')} ${formatTime(due.at)}`) : null,
    tally, fixText, list);
}

/** Photos for one purpose, prepared like a capture's: { node, photos, busy() }. */
function photoPicker(id, label, onChange) {
  const photos = [];
  let busy = 0;
  const thumbs = h('ul', { class: 'thumbs' });
  const input = h('input', { id, type: 'file', accept: 'image/*', capture: 'environment', multiple: true, class: 'visually-hidden' });
  const draw = () => {
    thumbs.replaceChildren(...photos.map((photo, index) => h('li', {},
      h('img', { src: photo.url, alt: `${label} ${index + 1}` }),
      h('button', { type: 'button', class: 'remove', 'aria-label': `${t('删除照片')} ${index + 1}`,
                    onclick: () => { URL.revokeObjectURL(photo.url); photos.splice(index, 1); draw(); onChange(); } }, '×'))));
  };
  input.addEventListener('change', async () => {
    const files = [...input.files].slice(0, MAX_PHOTOS - photos.length);
    input.value = '';
    busy += files.length;
    onChange();
    for (const file of files) {
      try {
        const photo = await preparePhoto(file);
        photos.push({ ...photo, id: crypto.randomUUID(), url: URL.createObjectURL(new Blob([photo.bytes], { type: photo.type })) });
      } catch (error) {
        toast(errorText(error), { error: true });
      } finally {
        busy -= 1;
      }
    }
    draw();
    onChange();
  });
  const node = h('div', { class: 'photo-picker' }, h('label', { class: 'camera' }, '📷 ', label, input), thumbs);
  return { node, photos, busy: () => busy };
}

async function patrolForm({ due, today, typeName }, point, { back, sync }) {
  const checklists = await reference('checklists', { refresh: false }).then((r) => r.value).catch(() => null);
  const checklist = checklists?.find((c) => c.point_type === point.point_type);
  const head = [back, h('h2', {}, point.name), h('p', { class: 'meta point-tags' }, ...marks(point, typeName(point)))];
  if (!checklist) {
    return h('section', { class: 'patrol' }, ...head, h('p', { class: 'error', role: 'alert' },
      checklists ? t('该类型点位暂无检查表') : t('离线且无缓存数据，请联网后重新登录')));
  }
  const radius = due.value.radius_m ?? DEFAULT_RADIUS_M;
  const startedAt = new Date().toISOString();
  const answers = new Map(checklist.items.map((item) => [item.code, { result: null, picker: null, noteInput: null }]));
  let fix = null;

  // --- where: the distance from the point; beyond the radius, why ---
  const fixText = h('p', { id: 'patrol-distance', 'aria-live': 'polite' }, t('定位中'));
  const reason = h('input', { id: 'off-site-reason', maxLength: 500, oninput: () => update() });
  const reasonField = h('div', { class: 'field', hidden: true },
    h('label', { for: 'off-site-reason' }, t('不在现场的原因')), reason);
  const distance = () => (fix ? distanceM(fix.lat, fix.lon, point.lat, point.lon) : null);
  const offSite = () => fix !== null && distance() > radius;
  function locate() {
    stopWatching?.();
    fix = null;
    fixText.textContent = t('定位中');
    update();
    stopWatching = watchBestFix((best, { final }) => {
      fix = best;
      if (best) {
        fixText.textContent = `${t('距点位')} ${metres(distance())} · ±${Math.round(best.accuracy)} m`
          + (offSite() ? ` — ${t('超出')} ${radius} m` : '')
          + (best.accuracy > POOR_ACCURACY_M ? ` — ${t('定位精度较差')}` : '') + (final ? '' : ` · ${t('定位中')}`);
      } else if (final) {
        fixText.textContent = t('无法定位');
      }
      fixText.classList.toggle('warn', offSite() || Boolean(best && best.accuracy > POOR_ACCURACY_M));
      update();
    }, { onError: (error) => { fixText.textContent = t(fixErrorKey(error)); } });
  }

  // --- the checklist: pass / fail / n.a. per item; a failure takes photos and a note ---
  const rows = checklist.items.map((item) => {
    const answer = answers.get(item.code);
    const labelId = `item-${item.code}`;
    const detail = h('div', { class: 'fail-detail', hidden: true });
    const buttons = RESULTS.map(([result, label]) => h('button', {
      type: 'button', role: 'radio', class: `result-${result}`, 'aria-checked': 'false', 'data-result': result,
      onclick: () => choose(result),
    }, t(label)));
    function choose(result) {
      answer.result = result;
      buttons.forEach((b) => b.setAttribute('aria-checked', String(b.dataset.result === result)));
      if (result === 'fail' && !answer.picker) {
        answer.picker = photoPicker(`photo-${item.code}`, t('拍问题照片'), update);
        answer.noteInput = h('input', { id: `note-${item.code}`, maxLength: 500 });
        detail.append(answer.picker.node,
          h('label', { for: `note-${item.code}` }, t('问题说明（选填）')), answer.noteInput);
      }
      detail.hidden = result !== 'fail';
      update();
    }
    return { item, choose, node: h('div', { class: 'check-item', 'data-code': item.code },
      h('p', { id: labelId, class: 'check-text' }, (lang === 'en' && item.text_en) || item.text),
      h('div', { class: 'tri', role: 'radiogroup', 'aria-labelledby': labelId }, ...buttons), detail) };
  });
  const restPass = h('button', { type: 'button', id: 'rest-pass', onclick: () => {
    rows.filter(({ item }) => !answers.get(item.code).result).forEach(({ choose }) => choose('pass'));
  } }, t('其余全部合格'));

  // --- the overview photo (required when nothing failed) and a note ---
  const overview = photoPicker('overview-photo', t('拍现场全景照片'), () => update());
  const overviewHint = h('p', { class: 'hint' });
  const note = h('textarea', { id: 'patrol-note', rows: 2, maxLength: 2000 });
  const submit = h('button', { type: 'submit', class: 'primary', disabled: true }, t('保存巡查'));
  const why = h('p', { class: 'hint', id: 'patrol-why' });

  function update() {
    const picked = [...answers.values()];
    const failed = picked.filter((a) => a.result === 'fail');
    reasonField.hidden = !offSite();
    overviewHint.textContent = failed.length ? t('有不合格项时可不拍') : t('没有不合格项时必拍');
    const missing = [];
    if (!fix) missing.push(t('位置'));
    if (offSite() && !reason.value.trim()) missing.push(t('不在现场的原因'));
    const open = picked.filter((a) => !a.result).length;
    if (open) missing.push(`${open} ${t('项未检查')}`);
    if (failed.some((a) => !a.picker.photos.length)) missing.push(t('不合格项的照片'));
    if (!failed.length && !overview.photos.length) missing.push(t('现场全景照片'));
    const busy = overview.busy() + failed.reduce((sum, a) => sum + a.picker.busy(), 0);
    submit.disabled = missing.length > 0 || busy > 0;
    why.textContent = missing.length ? `${t('还需')}${t('：')}${missing.join(t('、'))}` : '';
  }

  const form = h('form', { id: 'patrol-form', class: 'card' },
    h('fieldset', {}, h('legend', {}, t('位置')), fixText,
      h('button', { type: 'button', class: 'relocate', onclick: () => locate() }, t('重新定位')), reasonField),
    h('fieldset', { class: 'checklist' }, h('legend', {}, `${t('检查表')} · ${checklist.items.length} ${t('项')}`),
      ...rows.map((row) => row.node), restPass),
    h('fieldset', {}, h('legend', {}, t('现场全景照片')), overviewHint, overview.node),
    h('div', { class: 'field' }, h('label', { for: 'patrol-note' }, t('备注')), note),
    submit, why);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (submit.disabled) return;
    submit.disabled = true;
    try {
      const patrolId = crypto.randomUUID();
      const now = new Date().toISOString();
      const where = { lat: fix.lat, lon: fix.lon, accuracy_m: Math.round(fix.accuracy * 10) / 10, located_at: fix.at || now };
      const tickets = [];
      const photos = overview.photos.map((p) => ({ id: p.id, kind: 'patrol', bytes: p.bytes, type: p.type, sha256: p.sha256 }));
      const patrolItems = checklist.items.map((item) => {
        const answer = answers.get(item.code);
        if (answer.result !== 'fail') return { code: item.code, result: answer.result, note: '', ticket_id: null };
        const ticketId = crypto.randomUUID();
        const itemNote = answer.noteInput.value.trim();
        // Each failure is a ticket of its own, captured like any other and routed by its category.
        tickets.push({ id: ticketId, body: {
          category: item.category, ...where, captured_at: now, description: [item.text, itemNote].filter(Boolean).join('：'),
          point_type: point.point_type, key_point_id: point.id, patrol_id: patrolId, checklist_item: item.code,
          photos: answer.picker.photos.map((p) => ({ id: p.id, sha256: p.sha256, content_type: p.type, size: p.size,
                                                     ...(p.exif ? { exif: p.exif } : {}) })),
        } });
        photos.push(...answer.picker.photos.map((p) => ({ id: p.id, ticketId, bytes: p.bytes, type: p.type, sha256: p.sha256 })));
        return { code: item.code, result: 'fail', note: itemNote, ticket_id: ticketId };
      });
      const body = {
        key_point_id: point.id, started_at: startedAt, finished_at: now, ...where,
        checklist_version: checklist.version, off_site_reason: offSite() ? reason.value.trim() : null,
        note: note.value.trim(), items: patrolItems,
        photos: overview.photos.map((p) => ({ id: p.id, sha256: p.sha256, content_type: p.type, size: p.size })),
      };
      await enqueue({ id: patrolId, kind: 'patrol', body, tickets, photos,
                      summary: { pointName: point.name, problems: tickets.length } });
      await rememberPatrolled(today, point.id);
      navigator.storage?.persist?.();
      toast(`${t('已保存待发送')} · ${point.name}${tickets.length ? ` · ${tickets.length} ${t('个问题')}` : ''}`);
      requestBackgroundSync();
      sync();
      location.hash = '#/patrol';
    } catch (error) {
      toast(errorText(error), { error: true });
      update();
    }
  });
  locate();
  return h('section', { class: 'patrol' }, ...head, form);
}
