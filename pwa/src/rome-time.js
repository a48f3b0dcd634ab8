// Italian time (Europe/Rome) and UTC, both ways, for every form and display: the venue
// is in Italy, the person typing may not be, and the phone's own time zone is no guide.
// Intl.DateTimeFormat knows the rules (CET +01:00, CEST +02:00 from the last Sunday of
// March 02:00 to the last Sunday of October 03:00); nothing here counts offsets by hand.
//
// Two hours a year are special, and the rules for them are ours (pwa/tests/rome-time.test.mjs):
// - the hour that does not exist (last Sunday of March, 02:00–02:59: clocks jump from
//   02:00 to 03:00) is refused: romeLocalToIso returns null and forms say why in words
//   (org.rome_time_gap). Shifting it silently would publish an event at a time nobody typed;
// - the hour that happens twice (last Sunday of October, 02:00–02:59, first in summer
//   time then in winter time) means its **earlier** instant, the summer-time one (+02:00):
//   an event "at 02:30" starts the first time the clock shows 02:30.

const pad = (n) => String(n).padStart(2, '0');
const ROME = 'Europe/Rome';
const LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/;
// Rome's two offsets from UTC, in minutes: summer first, so the earlier instant of an
// hour that happens twice is found first.
const OFFSETS = [120, 60];

let partsFormat = null;

/** The wall clock in Rome at an instant: {year, month, day, hour, minute, second}. */
export function romeParts(instant) {
  partsFormat ||= new Intl.DateTimeFormat('en-GB', {
    timeZone: ROME, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit',
  });
  const parts = partsFormat.formatToParts(new Date(instant));
  const get = (type) => Number(parts.find((p) => p.type === type).value);
  return { year: get('year'), month: get('month'), day: get('day'), hour: get('hour'), minute: get('minute'),
           second: get('second') };
}

/** Minutes Rome is ahead of UTC at an instant (60 in winter, 120 in summer). */
export function romeOffsetMinutes(instant) {
  const millis = new Date(instant).getTime();
  const p = romeParts(millis);
  const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return Math.round((wall - Math.floor(millis / 1000) * 1000) / 60_000);
}

/**
 * "2026-05-01T20:30" (an <input type="datetime-local">, read as Italian time) → the
 * instant, "2026-05-01T20:30:00+02:00". null when it is not such a value or when that
 * time does not exist in Italy (the spring-forward hour); the earlier instant when it
 * happens twice (the autumn hour).
 */
export function romeLocalToIso(local) {
  const match = LOCAL.exec(local || '');
  if (!match) return null;
  const [y, m, d, h, min] = match.slice(1).map(Number);
  const wall = Date.UTC(y, m - 1, d, h, min);
  for (const offset of OFFSETS) {
    const p = romeParts(wall - offset * 60_000);
    if (p.year === y && p.month === m && p.day === d && p.hour === h && p.minute === min) {
      return `${match[1]}-${match[2]}-${match[3]}T${match[4]}:${match[5]}:00+${pad(offset / 60)}:00`;
    }
  }
  return null;
}

/** Whether a typed Italian time names an instant (false for the hour that does not exist). */
export function romeLocalExists(local) {
  return romeLocalToIso(local) !== null;
}

/** An instant (ISO text, Date, ms) → the value of an <input type="datetime-local"> in Italian time. */
export function isoToRomeLocal(iso) {
  if (iso === null || iso === undefined || iso === '') return '';
  const p = romeParts(iso);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}`;
}

/** The Italian calendar day of an instant, "YYYY-MM-DD". */
export function romeDay(instant) {
  const p = romeParts(instant);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}`;
}

const dayFormats = new Map();

function romeFormat(lang, options) {
  const key = `${lang}|${JSON.stringify(options)}`;
  if (!dayFormats.has(key)) dayFormats.set(key, new Intl.DateTimeFormat(lang, { timeZone: ROME, ...options }));
  return dayFormats.get(key);
}

/**
 * An event's time span in words, Italian time, without saying the day twice:
 * the same day → "2 dic 2026, 20:30–22:45"; different days → "2 dic 2026, 20:30 –
 * 3 dic 2026, 01:00" (spaced dash between two full dates, as typographers do).
 * `lang` is a BCP 47 locale ('it-IT', 'en-GB').
 */
export function formatRomeRange(start, end, lang = 'it-IT') {
  const date = romeFormat(lang, { dateStyle: 'medium' });
  const time = romeFormat(lang, { timeStyle: 'short' });
  const from = new Date(start);
  if (end === null || end === undefined || end === '') return `${date.format(from)}, ${time.format(from)}`;
  const to = new Date(end);
  if (romeDay(from) === romeDay(to)) return `${date.format(from)}, ${time.format(from)}–${time.format(to)}`;
  return `${date.format(from)}, ${time.format(from)} – ${date.format(to)}, ${time.format(to)}`;
}

/** "YYYY-MM-DD" `days` calendar days after the Italian day `day` (negative: before). */
export function addDays(day, days) {
  const [y, m, d] = day.split('-').map(Number);
  const shifted = new Date(Date.UTC(y, m - 1, d + days));
  return `${shifted.getUTCFullYear()}-${pad(shifted.getUTCMonth() + 1)}-${pad(shifted.getUTCDate())}`;
}

/** The evening a weekend starts in Italy, as the catalogue's "this weekend" means it. */
export const WEEKEND_STARTS = '18:00';

/**
 * "This weekend" at an instant, Italian time: from Friday 18:00 to Monday 00:00.
 * From Monday to Friday it is the coming one; on Saturday and Sunday the one under way.
 * {from, to} are the Friday and Sunday ("YYYY-MM-DD", the catalogue's day filters);
 * {starts, ends} the instants (ISO with offset), for events that end before Friday evening.
 */
export function romeWeekend(now = Date.now()) {
  const today = romeDay(now);
  const [y, m, d] = today.split('-').map(Number);
  const weekday = new Date(Date.UTC(y, m - 1, d)).getUTCDay(); // 0 Sunday … 6 Saturday
  const friday = addDays(today, weekday === 0 ? -2 : weekday === 6 ? -1 : 5 - weekday);
  return { from: friday, to: addDays(friday, 2), starts: romeLocalToIso(`${friday}T${WEEKEND_STARTS}`),
           ends: romeLocalToIso(`${addDays(friday, 3)}T00:00`) };
}
