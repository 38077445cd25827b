// Reporting periods written the server's way (api/indicators/periods.py): an ISO week 2026-W48, a month
// 2026-11, a quarter 2026-Q4; county dates YYYY-MM-DD. Pure (no DOM, no i18n), so Vitest runs it in Node.
import { addDays } from './points.js';

const pad = (n) => String(n).padStart(2, '0');
const weekday = (day) => (new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7; // Monday 0 … Sunday 6

/** The ISO week holding a day: its label and its Monday. */
export function weekOf(day) {
  const monday = addDays(day, -weekday(day));
  const thursday = addDays(monday, 3); // the week belongs to the year of its Thursday
  const year = Number(thursday.slice(0, 4));
  const week = Math.floor((Date.parse(`${thursday}T00:00:00Z`) - Date.parse(`${year}-01-01T00:00:00Z`)) / 864e5 / 7) + 1;
  return { label: `${year}-W${pad(week)}`, monday };
}

/** The Monday of an ISO week label; null for anything else. */
export function mondayOf(label) {
  const match = /^(\d{4})-W(\d{2})$/.exec(label || '');
  if (!match) return null;
  const jan4 = `${match[1]}-01-04`; // always in week 1
  return addDays(addDays(jan4, -weekday(jan4)), 7 * (Number(match[2]) - 1));
}

/** The week `weeks` after (negative: before) a week label. */
export const shiftWeek = (label, weeks) => weekOf(addDays(mondayOf(label), 7 * weeks)).label;

function shiftMonth(month, months) {
  const index = Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)) - 1 + months;
  return `${Math.floor(index / 12)}-${pad((index % 12) + 1)}`;
}

const quarterOf = (month) => `${month.slice(0, 4)}-Q${Math.floor((Number(month.slice(5, 7)) - 1) / 3) + 1}`;

// The overview's choices, each the label of a period relative to today.
export const CHOICES = ['week', 'month', 'quarter', 'last_month'];

/** The label a choice means today (a county date). */
export function choiceLabel(choice, today) {
  const month = today.slice(0, 7);
  switch (choice) {
    case 'week': return weekOf(today).label;
    case 'quarter': return quarterOf(month);
    case 'last_month': return shiftMonth(month, -1);
    default: return month;
  }
}

/** The last finished period of a bulletin's kind (weekly, monthly, quarterly): what a bulletin is usually about. */
export function lastFinished(kind, today) {
  if (kind === 'weekly') return shiftWeek(weekOf(today).label, -1);
  const month = today.slice(0, 7);
  if (kind === 'monthly') return shiftMonth(month, -1);
  return quarterOf(shiftMonth(month, -3));
}

/** The last `count` quarters up to today's, newest first. */
export function recentQuarters(today, count = 8) {
  return Array.from({ length: count }, (_, n) => quarterOf(shiftMonth(today.slice(0, 7), -3 * n)));
}
