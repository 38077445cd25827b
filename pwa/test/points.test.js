// The readiness strip's squares, the coverage periods and the import formats.
import { describe, expect, it } from 'vitest';
import { addDays, dayState, importFormat, periodRange, sortedDays } from '../src/points.js';

describe('dayState', () => {
  const daily = { patrol_frequency: 'daily', active_from: null, active_to: null };
  const today = '2026-12-07';
  it('marks patrolled days done and finished unpatrolled days of a daily point missed', () => {
    expect(dayState({ date: '2026-12-05', patrolled: true }, daily, today)).toBe('done');
    expect(dayState({ date: '2026-12-06', patrolled: false }, daily, today)).toBe('missed');
  });
  it('does not call today missed while it runs', () => {
    expect(dayState({ date: today, patrolled: false }, daily, today)).toBe('today');
    expect(dayState({ date: today, patrolled: true }, daily, today)).toBe('done');
  });
  it('owes nothing outside the active dates or on a weekly point\'s ordinary day', () => {
    const later = { ...daily, active_from: '2026-12-01', active_to: '2026-12-06' };
    expect(dayState({ date: '2026-11-30', patrolled: false }, later, today)).toBe('idle');
    expect(dayState({ date: today, patrolled: false }, later, today)).toBe('idle');
    expect(dayState({ date: '2026-12-03', patrolled: false }, later, today)).toBe('missed');
    expect(dayState({ date: '2026-12-03', patrolled: false }, { ...daily, patrol_frequency: 'weekly' }, today)).toBe('idle');
  });
  it('orders the strip oldest first, so today is the last square', () => {
    const days = sortedDays([{ date: '2026-12-07' }, { date: '2026-11-30' }, { date: '2026-12-01' }]);
    expect(days.map((d) => d.date)).toEqual(['2026-11-30', '2026-12-01', '2026-12-07']);
  });
});

describe('periodRange', () => {
  it('ends every named period today', () => {
    expect(periodRange('today', '2026-12-09')).toEqual(['2026-12-09', '2026-12-09']);
    expect(periodRange('last7', '2026-12-09')).toEqual(['2026-12-03', '2026-12-09']);
    expect(periodRange('month', '2026-12-09')).toEqual(['2026-12-01', '2026-12-09']);
  });
  it('starts the week on Monday (ISO), Sunday included in the week before', () => {
    expect(periodRange('week', '2026-12-09')).toEqual(['2026-12-07', '2026-12-09']); // a Wednesday
    expect(periodRange('week', '2026-12-07')).toEqual(['2026-12-07', '2026-12-07']); // a Monday
    expect(periodRange('week', '2026-12-13')).toEqual(['2026-12-07', '2026-12-13']); // a Sunday
  });
  it('crosses month and year ends', () => {
    expect(addDays('2026-01-01', -1)).toBe('2025-12-31');
    expect(periodRange('week', '2027-01-01')).toEqual(['2026-12-28', '2027-01-01']);
  });
});

describe('importFormat', () => {
  it('knows the endpoint\'s formats by file name, whatever the case', () => {
    expect(importFormat('点位.CSV')).toEqual({ format: 'csv', type: 'text/csv' });
    expect(importFormat('points.xlsx').format).toBe('xlsx');
    expect(importFormat('points.geojson').format).toBe('geojson');
    expect(importFormat('points.json').format).toBe('geojson');
    expect(importFormat('points.xls')).toBeNull();
    expect(importFormat('points')).toBeNull();
  });
});
