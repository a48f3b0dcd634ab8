// What the students and the venues say: ratings (stars, as a distribution), the
// thanks students sent from the wallet (counts only, suppressed like every student
// figure) and the venues' own stories. A story is the venue's text and photo, posted
// with its promise that no minor can be recognised, and hidden by the operator when
// that promise was broken (server/stories); the page shows what the server lists.
import { html } from 'htm/preact';
import { formatDate, locale, t } from '../i18n.js';
import { useResource } from './forms.js';

function Ratings({ ratings, minCell }) {
  if (!ratings) return null;
  const fewer = t('org.suppressed', { count: minCell });
  if (ratings.suppressed || !ratings.count) {
    return html`<p class="meta">${ratings.suppressed ? fewer : t('impact.no_ratings')}</p>`;
  }
  const distribution = [...(ratings.distribution || [])].sort((a, b) => b.stars - a.stars);
  const largest = Math.max(1, ...distribution.map((row) => row.count || 0));
  const average = new Intl.NumberFormat(locale(), { maximumFractionDigits: 1 }).format(ratings.average_stars);
  return html`<p><strong>${t('impact.ratings_count', { count: ratings.count })}</strong>
      ${ratings.average_stars !== null && ratings.average_stars !== undefined
        ? html` · ${t('impact.average', { average })}` : null}</p>
    ${distribution.length ? html`<ul class="stars-list">${distribution.map((row) => html`<li key=${row.stars}
        data-stars=${row.stars}>
      <span class="stars-label">${t('impact.stars', { count: row.stars })}</span>
      ${row.suppressed || row.count === null
        ? html`<span class="suppressed">${fewer}</span>`
        : html`<span class="stars-bar" aria-hidden="true"><span style=${`width: ${(row.count / largest) * 100}%`}></span></span>
          <span class="stars-count">${row.count}</span>`}
    </li>`)}</ul>` : null}`;
}

function Thanks({ thanks, minCell }) {
  if (!thanks) return null;
  const fewer = t('org.suppressed', { count: minCell });
  if (!thanks.length) return html`<p class="meta">${t('impact.no_thanks')}</p>`;
  return html`<dl class="figures thanks-figures">${thanks.map((row) => html`<div key=${row.choice}
      data-choice=${row.choice}>
    <dt>${row.label}</dt>
    <dd>${row.suppressed || row.count === null ? html`<span class="suppressed">${fewer}</span>` : row.count}</dd>
  </div>`)}</dl>`;
}

function Stories({ campaignId }) {
  const stories = useResource(`/campaigns/${campaignId}/stories`);
  // Stories come from another part of the platform: a server without them yet (404), or
  // one that fails, leaves the rest of the impact page as it is.
  const items = Array.isArray(stories.data) ? stories.data : stories.data?.items || [];
  if (stories.loading || stories.error?.status === 404) return null;
  return html`<h3>${t('impact.stories')}</h3>
    ${items.length ? html`<ul class="stories-list">${items.map((story) => html`<li key=${story.id}
        class="card story-card" data-story=${story.id}>
      ${story.photo_url ? html`<img src=${story.photo_url} alt=${t('impact.story_photo', { venue: story.venue_name })}
        loading="lazy" class="story-photo" />` : null}
      <p class="story-body">${story.body}</p>
      <p class="meta">${t('impact.story_posted', { venue: story.venue_name,
        date: formatDate(story.posted_at, { dateStyle: 'long' }) })}${story.event_title
        ? html` · <span class="story-event">${story.event_title}</span>` : null}</p>
    </li>`)}</ul>` : html`<p class="meta">${stories.error ? t('impact.not_available') : t('impact.no_stories')}</p>`}`;
}

export function ImpactVoices({ report, campaignId }) {
  const minCell = report.min_cell;
  return html`<section class="impact-voices" aria-labelledby="impact-voices-title">
    <h2 id="impact-voices-title">${t('impact.voices')}</h2>
    <h3>${t('impact.ratings')}</h3>
    <${Ratings} ratings=${report.ratings} minCell=${minCell} />
    ${report.thanks ? html`<h3>${t('impact.thanks')}</h3><${Thanks} thanks=${report.thanks} minCell=${minCell} />` : null}
    <${Stories} campaignId=${campaignId} />
  </section>`;
}
