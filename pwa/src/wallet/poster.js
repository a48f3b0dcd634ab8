// An event's poster and its address's map link: shared by the catalogue (students) and
// the event form (venues), so kept out of either's module.
import { html } from 'htm/preact';

/** OpenStreetMap's search for an address: a plain link out, the app itself asks OSM nothing. */
export function mapLink(address, municipality) {
  const query = [address, municipality].filter(Boolean).join(', ');
  return `https://www.openstreetmap.org/search?query=${encodeURIComponent(query)}`;
}

// Offline, a poster never seen before cannot load (the service worker keeps no images,
// the browser's HTTP cache keeps those seen): no broken-image frame in its place.
function hideBroken(event) {
  event.currentTarget.hidden = true;
}

/** The poster as an <img>; `alt` is the event's title where it stands for the event,
 * empty (decorative) where the title is written beside it. */
export function Poster({ poster, alt = '', sizes, className = 'poster' }) {
  if (!poster) return null;
  return html`<img class=${className} src=${poster.src} srcset=${poster.srcset} sizes=${sizes}
    width=${poster.width} height=${poster.height} alt=${alt} loading="lazy" decoding="async"
    onError=${hideBroken} />`;
}
