// A ticket's history in people's words: when, who (by name), what and why. Never an internal state
// ("incomplete" while photos upload), a code or an id.
import { h, formatTime } from '../dom.js';
import { t, statusName } from '../i18n.js';

// Each event's words; a function when the payload decides (a verdict, an approval).
const PHRASES = {
  created: '上报',
  dispatched: '派遣',
  reported: '转人工分派', // no rule matched: the dispatcher picks the unit
  accept: '签收',
  return: '退回',
  reassign: '改派',
  rectify: '提交整改',
  verify: (p) => (p.result === 'fail' ? '核查不通过' : '核查通过'),
  cancel: '撤销',
  escalate: '督办',
  auto_escalate: '超期自动督办',
  overdue: '已超期',
  request_extension: '申请延期',
  decide_extension: (p) => (p.approve ? '同意延期' : '不同意延期'),
  request_park: '申请挂账',
  decide_park: (p) => (p.approve ? '同意挂账' : '不同意挂账'),
  park: '挂起',
  unpark: '恢复',
  spotcheck: (p) => (p.result === 'fail' ? '抽查不合格' : '抽查合格'),
};
// Where the photos are still on their way the ticket is not a ticket yet: that state is not news.
const HIDDEN_STATES = new Set(['incomplete']);

/** An event's words: what happened (and the state it led to), then what goes with it. */
function phrase(event) {
  const payload = event.payload || {};
  const words = PHRASES[event.action];
  const what = t((typeof words === 'function' ? words(payload) : words) || '处理');
  const moved = event.to_status && event.to_status !== event.from_status && !HIDDEN_STATES.has(event.to_status);
  // A decision's own note, else the request's reason or the note typed with the action.
  const why = event.action.startsWith('decide_') ? payload.note : payload.reason || payload.note;
  return {
    what: `${what}${moved ? ` → ${statusName(event.to_status)}` : ''}`,
    more: [event.action === 'request_extension' && payload.until ? `${t('延至')} ${formatTime(payload.until)}` : null,
           payload.duplicate_of ? t('重复上报') : null,
           payload.flags_acknowledged?.length ? t('已确认照片疑点') : null,
           why || null].filter(Boolean),
  };
}

/**
 * The history as lines { at, who, text }. Photo arrivals are not lines of their own: a run of them
 * is counted on the capture it completes, else on the action it was taken for (an action's photos
 * arrive just before it), else on a line of its own.
 */
export function historyLines(events = []) {
  const lines = [];
  for (const event of events) {
    const who = event.actor?.display_name || t('系统');
    const last = lines.at(-1);
    if (event.action !== 'photo_received') lines.push({ at: event.at, who, action: event.action, photos: 0, ...phrase(event) });
    else if (last && !last.action) last.photos += 1;
    else lines.push({ at: event.at, who, photos: 1 });
  }
  const folded = [];
  lines.forEach((line, index) => {
    const previous = folded.at(-1);
    const next = lines[index + 1];
    if (line.action) folded.push(line);
    else if (previous?.action === 'created') previous.photos += line.photos;
    else if (next?.action && next.who === line.who) next.photos += line.photos;
    else folded.push(line);
  });
  return folded.map(({ at, who, what, more = [], photos }) => ({ at, who, text: [
    what, photos ? t('照片已上传 {n} 张').replace('{n}', photos) : null, ...more].filter(Boolean).join(' · ') }));
}

export function historyList(events) {
  return h('ol', { class: 'history' }, ...historyLines(events).map((line) =>
    h('li', {}, h('strong', {}, `${formatTime(line.at)} ${line.who}`), ' ', line.text)));
}
