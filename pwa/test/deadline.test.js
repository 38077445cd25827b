// The deadline sentence for fixed tickets and a fixed "now" (county time is UTC+8).
import { beforeAll, describe, expect, it, vi } from 'vitest';

let deadlineWords;
let lightWord;
let setLang;
beforeAll(async () => {
  // i18n.js reads the chosen language from localStorage when it loads.
  vi.stubGlobal('localStorage', { getItem: () => null, setItem: () => {} });
  vi.stubGlobal('document', { documentElement: {} });
  ({ deadlineWords, lightWord } = await import('../src/deadline.js'));
  ({ setLang } = await import('../src/i18n.js'));
});

const MON_1816 = new Date('2026-12-07T10:16:00Z'); // Monday 7 December, 18:16 in the county
const ticket = (fields) => ({ status: 'accepted', light: 'green', overdue: false, clock_resumes_at: null,
                              deadline_at: '2026-12-09T02:30:00Z', working_seconds_left: 9.5 * 3600, ...fields });

describe('deadlineWords', () => {
  it('after hours, says when the clock runs again and when the ticket is due', () => {
    const words = deadlineWords(ticket({ clock_resumes_at: '2026-12-08T00:30:00Z' }), MON_1816);
    expect(words).toBe('下班时间，明天 08:30 起计时；剩余 9.5 工作小时，期限 12月9日周三 10:30');
  });
  it('due the moment work starts again: one time, no "0.0 hours left", not called overdue', () => {
    const due = ticket({ light: 'red', deadline_at: '2026-12-08T00:30:00Z', working_seconds_left: 0,
                         clock_resumes_at: '2026-12-08T00:30:00Z' });
    expect(deadlineWords(due, MON_1816)).toBe('下班时间，明天 08:30 到期');
    expect(lightWord(due)).toBe('临期');
  });
  it('over a weekend or at lunch names the pause', () => {
    const friday = new Date('2026-12-11T10:00:00Z');
    expect(deadlineWords(ticket({ deadline_at: '2026-12-14T05:30:00Z', working_seconds_left: 3 * 3600,
                                  clock_resumes_at: '2026-12-14T00:30:00Z' }), friday))
      .toBe('休息日，12月14日周一 08:30 起计时；剩余 3 工作小时，期限 12月14日周一 13:30');
    const lunch = new Date('2026-12-07T04:10:00Z');
    expect(deadlineWords(ticket({ deadline_at: '2026-12-07T08:00:00Z', working_seconds_left: 2.5 * 3600,
                                  clock_resumes_at: '2026-12-07T05:30:00Z' }), lunch))
      .toBe('午休时间，今天 13:30 起计时；剩余 2.5 工作小时，期限 今天 16:00');
  });
  it('overdue says how far past, in working hours, then in days', () => {
    const late = ticket({ light: 'red', overdue: true, deadline_at: '2026-12-07T06:00:00Z', working_seconds_left: -3.5 * 3600 });
    expect(deadlineWords(late, MON_1816)).toBe('已超期 3.5 工作小时，期限 今天 14:00');
    expect(lightWord(late)).toBe(''); // the sentence says it
    const older = ticket({ light: 'red', overdue: true, deadline_at: '2026-12-03T01:00:00Z', working_seconds_left: -20 * 3600,
                           clock_resumes_at: '2026-12-08T00:30:00Z' });
    expect(deadlineWords(older, MON_1816)).toBe('已超期 4 天，期限 12月3日周四 09:00');
    const overWeekend = ticket({ light: 'red', overdue: true, deadline_at: '2026-12-11T01:00:00Z', working_seconds_left: -8.5 * 3600 });
    expect(deadlineWords(overWeekend, new Date('2026-12-14T01:30:00Z'))).toBe('已超期 8.5 工作小时，期限 12月11日周五 09:00');
    const justNow = ticket({ light: 'red', overdue: true, deadline_at: '2026-12-07T09:30:00Z', working_seconds_left: 0 });
    expect(deadlineWords(justNow, MON_1816)).toBe('已超期，期限 今天 17:30');
  });
  it('while the clock runs, the working time left', () => {
    const morning = new Date('2026-12-07T02:00:00Z');
    expect(deadlineWords(ticket({ deadline_at: '2026-12-07T05:30:00Z', working_seconds_left: 1.5 * 3600 }), morning))
      .toBe('剩余 1.5 工作小时，期限 今天 13:30');
    expect(deadlineWords(ticket({ deadline_at: '2026-12-07T02:02:00Z', working_seconds_left: 120 }), morning))
      .toBe('即将到期，期限 今天 10:02');
  });
  it('once rectified or without a deadline, only the date', () => {
    expect(deadlineWords(ticket({ status: 'rectified', working_seconds_left: -500 }), MON_1816)).toBe('期限 12月9日周三 10:30');
    expect(deadlineWords(ticket({ deadline_at: null }), MON_1816)).toBe('');
  });
  it('never shows zero hours left', () => {
    for (const left of [0, 100, -100, 359]) {
      for (const paused of [null, '2026-12-08T00:30:00Z']) {
        expect(deadlineWords(ticket({ working_seconds_left: left, clock_resumes_at: paused }), MON_1816)).not.toMatch(/剩余 0/);
      }
    }
  });
  it('reads in English', () => {
    setLang('en');
    try {
      expect(deadlineWords(ticket({ clock_resumes_at: '2026-12-08T00:30:00Z' }), MON_1816))
        .toBe('After hours, the clock restarts tomorrow 08:30; 9.5 working hours left, due Wed 9 Dec 10:30');
      expect(deadlineWords(ticket({ overdue: true, working_seconds_left: -7200, deadline_at: '2026-12-07T06:00:00Z' }), MON_1816))
        .toBe('2 working hours overdue, due today 14:00');
    } finally {
      setLang('zh');
    }
  });
});
