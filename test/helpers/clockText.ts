/**
 * The "Next:" settlement text the bot shows for `nextMs`, for any time of day the suite runs at:
 * "HH:MM UTC" on the same UTC day, "Mon D HH:MM UTC" when the settlement falls on a later day.
 * Built here from the ISO string so the test does not reuse the formatter it checks.
 */
export function expectedNextText(nextMs: number, nowMs = Date.now()): RegExp {
  const iso = new Date(nextMs).toISOString();
  const hhmm = iso.slice(11, 16);
  const sameDay = iso.slice(0, 10) === new Date(nowMs).toISOString().slice(0, 10);
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const day = sameDay ? '' : `${months[new Date(nextMs).getUTCMonth()]} ${new Date(nextMs).getUTCDate()} `;
  return new RegExp(`Next: +${day}${hhmm} UTC \\(in 2 h( 1 min)?\\)`);
}
