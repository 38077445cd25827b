// Pure rules behind the key-point desk views (no DOM, no i18n, so Vitest runs them in Node):
// what one day's square on the readiness strip means, the coverage periods, import formats.

/** YYYY-MM-DD plus `days` (negative goes back); calendar arithmetic in UTC, so no DST surprises. */
export function addDays(day, days) {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

/**
 * The state of one day of a point's strip: 'done' (patrolled), 'missed' (a daily point's finished
 * day without a patrol), 'today' (not patrolled yet, the day still runs), 'idle' (nothing was due:
 * a weekly point's ordinary day, or outside the point's active dates).
 */
export function dayState(day, point, today) {
  if (day.patrolled) return 'done';
  if ((point.active_from && day.date < point.active_from) || (point.active_to && day.date > point.active_to)) return 'idle';
  if (day.date >= today) return 'today';
  return point.patrol_frequency === 'weekly' ? 'idle' : 'missed';
}

/** The days of the strip, oldest first, so today is the last square. */
export const sortedDays = (days) => [...days].sort((a, b) => a.date.localeCompare(b.date));

export const PERIODS = ['today', 'week', 'last7', 'month'];

/** [from, to] of a named period ending today (county dates); the week is the ISO week (Monday first). */
export function periodRange(period, today) {
  const weekday = (new Date(`${today}T00:00:00Z`).getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  switch (period) {
    case 'week': return [addDays(today, -weekday), today];
    case 'last7': return [addDays(today, -6), today];
    case 'month': return [`${today.slice(0, 8)}01`, today];
    default: return [today, today];
  }
}

// The import endpoint's formats by file name ending; the server reads the raw bytes.
const FORMATS = { csv: ['csv', 'text/csv'], xlsx: ['xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
                  geojson: ['geojson', 'application/geo+json'], json: ['geojson', 'application/geo+json'] };

/** { format, type } for a file name, or null when the endpoint cannot read it. */
export function importFormat(fileName) {
  const found = FORMATS[(fileName.split('.').pop() || '').toLowerCase()];
  return found ? { format: found[0], type: found[1] } : null;
}
