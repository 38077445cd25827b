// The ticket list behind each figure of a period (the filters of GET /api/v1/tickets, api/tickets/router.py),
// as the query of #/tickets?…, whose chips name what they filter. The list is the tickets as they are now:
// for a past period it is the closest the filters can say (a ticket overdue when the period ended and closed
// since is not in today's overdue list). Pure, so Vitest runs it in Node.

const DUE = 'dispatched,accepted,rectified,rework,returned,closed'; // neither parked nor cancelled
const WORKING = 'dispatched,accepted,rework'; // the unit's clock runs

/**
 * The query behind `figure` of a period ({ starts_at, ends_at, as_of } as the API gives it), for a unit or the
 * county: reports (created in the period), recurring, due (deadline in the period), closed (due and closed),
 * overdue_open (past the deadline and still open; for a past period, due by its end), reworked (due and sent
 * back at least once).
 */
export function behind(figure, period, bureau = null) {
  const from = new Date(period.starts_at).toISOString();
  const until = new Date(period.as_of).toISOString();
  const running = new Date(period.as_of) < new Date(period.ends_at);
  const query = new URLSearchParams();
  const add = (key, value) => query.append(key, value);
  if (figure === 'due') add('status', DUE);
  if (figure === 'closed') add('status', 'closed');
  if (figure === 'overdue_open') add('status', WORKING);
  if (bureau) add('bureau', bureau);
  if (figure === 'overdue_open') {
    add('overdue', 'true');
    if (!running) add('due_to', until);
  } else if (figure === 'reports' || figure === 'recurring') {
    if (figure === 'recurring') add('recurring', 'true');
    add('since', from);
    add('until', until);
  } else {
    if (figure === 'reworked') add('reworked', 'true');
    add('due_from', from);
    add('due_to', until);
  }
  return query.toString();
}

/** A hotspot's reports in the period: the cell and category. */
export function hotspotBehind(period, spot) {
  return new URLSearchParams({ cell: spot.cell_code, category: spot.category_code,
    since: new Date(period.starts_at).toISOString(), until: new Date(period.as_of).toISOString() }).toString();
}
