// A ticket's deadline in plain words: how long is left, how far past it is, or — while the working-time
// clock is paused (after hours, lunch, a day off) — when it runs again. Never "0.0 hours left".
import { t, lang } from './i18n.js';
import { countyDay } from './geo.js';

const CLOCK_STOPPED = ['rectified', 'closed', 'cancelled'];
const SHORT = 360; // below 0.1 working hours there is no number worth showing
const LONG = 16 * 3600; // about two working days late: say it in days, as people do
const fill = (text, values) => text.replace(/\{(\w+)\}/g, (_, name) => values[name]);
const hours = (seconds) => String(Number((seconds / 3600).toFixed(1)));
const daysBetween = (from, to) => Math.round((Date.parse(countyDay(new Date(to))) - Date.parse(countyDay(new Date(from)))) / 86400000);
const countyHour = (date) => Number(new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Shanghai', hour: 'numeric', hourCycle: 'h23' }).format(date));

/** "今天 08:30", "明天 08:30", "12月8日周二 10:30" (county time). */
export function when(value, now) {
  const date = new Date(value);
  const clock = new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', hour: '2-digit', minute: '2-digit',
                                                   hourCycle: 'h23' }).format(date);
  const near = { '-1': '昨天', 0: '今天', 1: '明天' }[daysBetween(now, date)];
  const day = near ? (lang === 'en' ? t(near).toLowerCase() : near)
    : new Intl.DateTimeFormat(lang === 'en' ? 'en-GB' : 'zh-CN', { timeZone: 'Asia/Shanghai', month: 'short',
                                                                    day: 'numeric', weekday: 'short' }).format(date);
  return `${day} ${clock}`;
}

/** The word beside the traffic light. Red without being overdue is a ticket at the end of its working
 * time while the clock waits for the next working day: 临期, not 超期. Overdue needs no word: the
 * sentence itself begins with 已超期. */
export const lightWord = (ticket) => (ticket.overdue ? '' : { green: '正常', yellow: '临期', red: '临期' }[ticket.light]);

/** The deadline sentence for a ticket; `now` for tests. */
export function deadlineWords(ticket, now = new Date()) {
  if (!ticket.deadline_at) return '';
  const due = fill(t('期限 {when}'), { when: when(ticket.deadline_at, now) });
  const left = ticket.working_seconds_left;
  if (CLOCK_STOPPED.includes(ticket.status) || left === null || left === undefined) return due;
  const comma = t('，');
  if (ticket.overdue) {
    // Days by the calendar, but only once it is long in working time too (a weekend is not lateness).
    const late = -left >= LONG ? fill(t('已超期 {n} 天'), { n: daysBetween(ticket.deadline_at, now) })
      : -left >= SHORT ? fill(t('已超期 {n} 工作小时'), { n: hours(-left) }) : t('已超期');
    return late + comma + due;
  }
  const rest = (left >= SHORT ? fill(t('剩余 {n} 工作小时'), { n: hours(left) }) : t('即将到期')) + comma + due;
  if (!ticket.clock_resumes_at) return rest;
  const resumes = new Date(ticket.clock_resumes_at);
  const away = daysBetween(now, resumes);
  const reason = away >= 2 ? '休息日' : away === 0 && countyHour(resumes) >= 12 ? '午休时间' : '下班时间';
  // Due the moment work starts again: one time to tell, not two.
  if (left < SHORT) return t(reason) + comma + fill(t('{when} 到期'), { when: when(ticket.deadline_at, now) });
  return t(reason) + comma + fill(t('{when} 起计时'), { when: when(resumes, now) }) + t('；') + rest;
}
