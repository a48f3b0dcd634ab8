// "Condividi": what a sponsor takes away from the impact page. The PDF and the CSV
// carry the same protected figures as the page (server/documents/impact.py); the
// public page and the window sticker cover all the sponsor's campaigns, so they
// belong to the organisation, and only its owners may publish or withdraw the page.
// An endpoint this server does not have yet (404) reads "not available", not an error.
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { t } from '../i18n.js';
import { Button, ErrorBox, Loading } from '../ui/components.js';
import { DownloadButton } from './documents.js';
import { useCopy, useResource } from './forms.js';
import { membershipOf } from './session.js';

const missing = (error) => error?.status === 404 || error?.status === 405;

function PublicPage({ me, sponsorId }) {
  const page = useResource(`/organisations/${sponsorId}/public-page`);
  const [state, setState] = useState({ busy: false, error: null, data: null });
  const copy = useCopy();
  const owner = membershipOf(me, sponsorId)?.role === 'owner';
  const current = state.data || page.data;
  async function toggle() {
    setState({ busy: true, error: null, data: current });
    try {
      const data = await api(`/organisations/${sponsorId}/public-page`, { method: 'PUT', csrf: true,
        body: { enabled: !current.enabled } });
      setState({ busy: false, error: null, data });
    } catch (error) {
      setState({ busy: false, error, data: current });
    }
  }
  let body;
  if (missing(page.error)) body = html`<p class="meta">${t('impact.not_available')}</p>`;
  else if (page.error) body = html`<${ErrorBox} error=${page.error} onRetry=${page.reload} />`;
  else if (!current) body = html`<${Loading} />`;
  else {
    body = html`${current.enabled
      ? html`<p class="public-url">${t('impact.public_on')} <a href=${current.url} class="mono">${current.url}</a></p>
        <div class="actions">
          <${Button} kind="secondary" onClick=${() => copy.copy(current.url)}>${t('impact.copy')}</${Button}>
          <span role="status" class="meta">${copy.state === 'copied' ? t('impact.copied')
            : copy.state === 'failed' ? t('impact.copy_failed') : ''}</span>
        </div>`
      : html`<p>${t('impact.public_off')}</p>`}
      ${owner ? html`<div class="actions">
          <${Button} kind=${current.enabled ? 'secondary' : 'primary'} busy=${state.busy} onClick=${toggle}
            data-public-page=${current.enabled ? 'on' : 'off'}>
            ${current.enabled ? t('impact.public_disable') : t('impact.public_enable')}</${Button}>
        </div>` : html`<p class="meta">${t('impact.public_owner_only')}</p>`}
      <${ErrorBox} error=${state.error} />`;
  }
  return html`<div class="share-item share-public" data-enabled=${current?.enabled ? 'true' : 'false'}>
      <h3>${t('impact.public_page')}</h3>
      <p class="meta">${t('impact.public_lead')}</p>
      ${body}
    </div>
    <div class="share-item share-sticker">
      <h3>${t('impact.sticker')}</h3>
      <p class="meta">${t('impact.sticker_lead')}</p>
      ${current?.enabled
        ? html`<${DownloadButton} url=${`/api/v1/organisations/${sponsorId}/sticker.pdf`}
            filename=${`adesivo-${current.slug || sponsorId}.pdf`} label=${t('impact.download_sticker')} />`
        : html`<p class="meta">${t('impact.sticker_needs_page')}</p>`}
    </div>`;
}

export function ImpactShare({ me, sponsorId, campaignId }) {
  const base = `/api/v1/campaigns/${campaignId}/impact`;
  return html`<section class="impact-share" aria-labelledby="impact-share-title">
    <h2 id="impact-share-title">${t('impact.share')}</h2>
    <p class="meta">${t('impact.share_lead')}</p>
    <div class="actions">
      <${DownloadButton} url=${`${base}.pdf`} filename=${`impatto-campagna-${campaignId}.pdf`}
        label=${t('impact.download_pdf')} kind="primary" />
      <${DownloadButton} url=${`${base}.csv`} filename=${`impatto-campagna-${campaignId}.csv`}
        label=${t('impact.download_csv')} />
    </div>
    <${PublicPage} me=${me} sponsorId=${sponsorId} />
  </section>`;
}
