// Period labels the server's way, and the ticket lists behind a period's figures.
import { describe, expect, it } from 'vitest';
import { choiceLabel, lastFinished, mondayOf, recentQuarters, shiftWeek, weekOf } from '../src/periods.js';
import { behind, hotspotBehind } from '../src/drilldown.js';

describe('ISO weeks', () => {
  it('names the week of a day by the year of its Thursday', () => {
    expect(weekOf('2026-12-07')).toEqual({ label: '2026-W50', monday: '2026-12-07' });
    expect(weekOf('2026-12-06').label).toBe('2026-W49');
    expect(weekOf('2027-01-01').label).toBe('2026-W53'); // 2026 has 53 weeks
    expect(weekOf('2027-01-04').label).toBe('2027-W01');
    expect(weekOf('2025-12-29').label).toBe('2026-W01');
  });
  it('finds a week\'s Monday and steps week by week across the year', () => {
    expect(mondayOf('2026-W01')).toBe('2025-12-29');
    expect(mondayOf('2026-W53')).toBe('2026-12-28');
    expect(mondayOf('2026-11')).toBeNull();
    expect(shiftWeek('2026-W53', 1)).toBe('2027-W01');
    expect(shiftWeek('2027-W01', -2)).toBe('2026-W52');
  });
});

describe('the overview\'s choices and a bulletin\'s default period', () => {
  it('turns 本周, 本月, 本季 and 上月 into labels', () => {
    const today = '2026-01-15';
    expect(['week', 'month', 'quarter', 'last_month'].map((c) => choiceLabel(c, today)))
      .toEqual(['2026-W03', '2026-01', '2026-Q1', '2025-12']);
  });
  it('offers the last finished week, month or quarter', () => {
    expect(lastFinished('weekly', '2026-12-07')).toBe('2026-W49');
    expect(lastFinished('monthly', '2026-01-10')).toBe('2025-12');
    expect(lastFinished('quarterly', '2026-02-10')).toBe('2025-Q4');
    expect(recentQuarters('2026-02-10', 3)).toEqual(['2026-Q1', '2025-Q4', '2025-Q3']);
  });
});

describe('the tickets behind a figure', () => {
  const november = { starts_at: '2026-10-31T16:00:00Z', ends_at: '2026-11-30T16:00:00Z', as_of: '2026-11-30T16:00:00Z' };
  const running = { ...november, as_of: '2026-11-20T02:00:00Z' };
  const parse = (query) => Object.fromEntries(new URLSearchParams(query));

  it('picks reports by creation and due tickets by deadline', () => {
    expect(parse(behind('reports', november))).toEqual({ since: '2026-10-31T16:00:00.000Z', until: '2026-11-30T16:00:00.000Z' });
    expect(parse(behind('closed', november, 'zhzf'))).toEqual({ status: 'closed', bureau: 'zhzf',
      due_from: '2026-10-31T16:00:00.000Z', due_to: '2026-11-30T16:00:00.000Z' });
    expect(parse(behind('due', running)).due_to).toBe('2026-11-20T02:00:00.000Z'); // due so far
    expect(parse(behind('reworked', november)).reworked).toBe('true');
    expect(parse(behind('recurring', november)).recurring).toBe('true');
  });
  it('lists the overdue still open, due by a past period\'s end', () => {
    expect(parse(behind('overdue_open', november, 'zhzf'))).toEqual({ status: 'dispatched,accepted,rework', bureau: 'zhzf',
      overdue: 'true', due_to: '2026-11-30T16:00:00.000Z' });
    expect(parse(behind('overdue_open', running))).toEqual({ status: 'dispatched,accepted,rework', overdue: 'true' });
  });
  it('opens a hotspot\'s reports', () => {
    expect(parse(hotspotBehind(november, { cell_code: '330790001001001', category_code: '0506' })))
      .toMatchObject({ cell: '330790001001001', category: '0506', since: '2026-10-31T16:00:00.000Z' });
  });
});
