// The scanner at work: status, the event and price at the door, the camera, typed
// codes, and the verdict over everything.
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { clockOffsetMs, serverNow } from '../clock.js';
import { formatDateTime, formatMoney, t } from '../i18n.js';
import { useOnline } from '../online.js';
import { Button, Link } from '../ui/components.js';
import { benchEnabled, recordVerdictTiming } from './bench.js';
import { cameraCapabilities, cameraCount, closeCamera, openCamera, scanFrames, setTorch, setZoom } from './camera.js';
import { createDecoder, warmDecoder } from './decoder.js';
import { Door } from './door.js';
import { dataFreshness, defaultEventId, isRetired } from './enrolment.js';
import { centsText, cleanTyped, parseCents, subjectOf } from './input.js';
import { acknowledgeRejected } from './outbox.js';
import { feedbackMuted, setFeedbackMuted, signalVerdict, unlockAudio } from './feedback.js';
import { StatusPanel } from './status.js';
import { onScannerSync, refreshNow, requestBackgroundSync, scannerSyncState, syncNow } from './sync.js';
import { TypedCodeForm } from './typed.js';
import { VerdictScreen } from './verdict.js';

// A code that stays in front of the camera is one scan, not one per frame; and a
// wallet's code rotates every 15 s, so "the same" means the same credential (voucher or
// ticket), not the same text: a student who keeps the phone up is not charged twice.
// It counts as a new scan once it has been out of sight (or the verdict dismissed) this long.
const STILL_IN_VIEW_MS = 2000;
const FLUSH_AFTER_MS = 2000; // online: send a new record soon, but not in the middle of a queue
const BENCH_SHOW_MS = 250;
// The camera starts by itself only where the staff started it before: the first time,
// the permission prompt should follow a tap, not appear out of nowhere.
const CAMERA_PREFERENCE = 'mentoring.scanner.camera';

function cameraPreferred() {
  try {
    return localStorage.getItem(CAMERA_PREFERENCE) === 'on';
  } catch {
    return false;
  }
}

function preferCamera(on) {
  try {
    localStorage.setItem(CAMERA_PREFERENCE, on ? 'on' : 'off');
  } catch {
    // not remembered: the staff tap "start" next time
  }
}

function eventLabel(event) {
  return `${event.title} · ${formatDateTime(event.starts_at)} · ${formatMoney(event.price_cents)}`;
}

function useTicker(ms) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}

export function DoorView({ enrolment, onEnrolment, onForget }) {
  const online = useOnline();
  const now = serverNow(useTicker(15_000)); // the bundle's age and the events are on the server's time
  const bench = useRef(benchEnabled()).current;
  const events = enrolment.bundle?.events || [];
  const freshness = dataFreshness(enrolment.bundle, now);

  const [door, setDoor] = useState(null);
  const [sync, setSync] = useState(null);
  const [busy, setBusy] = useState(null);
  const [eventId, setEventId] = useState(() => defaultEventId(events, now));
  const [amountText, setAmountText] = useState('');
  const [manualText, setManualText] = useState('');
  const [verdict, setVerdict] = useState(null);
  const [camera, setCamera] = useState({ status: 'off' });
  const [facing, setFacing] = useState('environment');
  const [cameras, setCameras] = useState(0);
  const [torchOn, setTorchOn] = useState(false);
  const [zoom, setZoomValue] = useState(null);
  const [muted, setMuted] = useState(feedbackMuted);

  const videoRef = useRef(null);
  const cameraRef = useRef(null); // {stream, loop}
  const verdictRef = useRef(null);
  const decidingRef = useRef(false);
  const lastScanRef = useRef({ subject: null, seenAt: 0 });
  const flushTimer = useRef(null);
  const wantCamera = useRef(false);

  const event = events.find((e) => e.id === eventId);
  const typedCents = amountText.trim() === '' ? undefined : parseCents(amountText);
  // decide() refuses an invalid amount with its own verdict (invalid_amount): pass it a -1.
  const settings = useRef({});
  // With no event picked the typed price stands alone (a voucher pays for one of the
  // venue's categories it allows; decide.js doorCategory); tickets ignore it.
  settings.current = { eventId, amountCents: typedCents === null ? -1 : typedCents };

  const updateSync = () => scannerSyncState().then(setSync);
  const doorRef = useRef(null);
  doorRef.current = door;

  useEffect(() => {
    let live = true;
    Door.open(enrolment).then((opened) => live && setDoor(opened));
    warmDecoder(); // compiled before the first scan; fetched (and cached by the worker) while online
    updateSync();
    const unsubscribe = onScannerSync((change) => {
      if (change.enrolment) {
        // The door first, before any render: the next scan already decides with what
        // a sync answer taught (a voucher just frozen, this scanner retired).
        if (change.enrolment.scannerId === enrolment.scannerId) doorRef.current?.useEnrolment(change.enrolment);
        onEnrolment(change.enrolment);
      }
      updateSync();
    });
    return () => {
      live = false;
      unsubscribe();
      stopCamera();
      clearTimeout(flushTimer.current);
    };
  }, []);

  useEffect(() => {
    door?.useEnrolment(enrolment);
  }, [door, enrolment]);

  // The price field follows the chosen event (staff may then type a reduction).
  useEffect(() => {
    setAmountText(event ? centsText(event.price_cents) : '');
  }, [eventId]);

  // An event that left the bundle (ended) is no longer offered.
  useEffect(() => {
    if (eventId && !event) setEventId(defaultEventId(events, serverNow()));
  }, [events]);

  async function handleText(text, source, timing) {
    const currentDoor = doorRef.current;
    // One decision on screen at a time: a typed code and a camera frame could otherwise
    // both be decided, and the second verdict would hide the first.
    if (!currentDoor || verdictRef.current || decidingRef.current || !text) return;
    const nowMs = Date.now();
    if (source === 'camera') {
      const subject = subjectOf(text);
      const last = lastScanRef.current;
      if (subject === last.subject && nowMs - last.seenAt < STILL_IN_VIEW_MS) {
        last.seenAt = nowMs;
        return;
      }
      lastScanRef.current = { subject, seenAt: nowMs };
    }
    const { eventId: atEvent, amountCents } = settings.current;
    let result;
    decidingRef.current = true;
    try {
      result = await currentDoor.decide(text, { eventId: atEvent, amountCents, source, nowMs });
    } catch (error) {
      console.error('scanner: decision not stored', error);
      result = { accepted: false, code: 'save_failed', kind: null };
    } finally {
      decidingRef.current = false;
    }
    const decidedTime = performance.now();
    showVerdict(result);
    if (bench && timing) recordVerdictTiming({ ...timing, decidedTime }, result);
    if (result.recordId) afterRecord();
  }

  function showVerdict(result) {
    verdictRef.current = result;
    setVerdict(result);
    signalVerdict(result.accepted); // felt and heard: staff look at the student, not the phone
  }

  const handlerRef = useRef(handleText);
  handlerRef.current = handleText;

  function afterRecord() {
    updateSync();
    requestBackgroundSync();
    clearTimeout(flushTimer.current);
    flushTimer.current = setTimeout(() => {
      if (navigator.onLine) syncNow();
    }, FLUSH_AFTER_MS);
  }

  function dismiss() {
    lastScanRef.current.seenAt = Date.now(); // frames are not read under the verdict: count from now
    verdictRef.current = null;
    setVerdict(null);
  }

  async function startCamera(wanted = facing) {
    if (cameraRef.current) return;
    wantCamera.current = true;
    cameraRef.current = { starting: true };
    setCamera({ status: 'starting' });
    let decoder;
    let stream;
    try {
      decoder = await createDecoder();
    } catch {
      cameraRef.current = null;
      setCamera({ status: 'error', message: t('scanner.decoder_failed') });
      return;
    }
    try {
      stream = await openCamera({ facing: wanted });
    } catch (error) {
      cameraRef.current = null;
      setCamera({ status: 'error', message: t(`scanner.camera_${error.code || 'failed'}`) });
      return;
    }
    if (!wantCamera.current || !videoRef.current) { // stopped (or left) while starting
      closeCamera(stream);
      cameraRef.current = null;
      setCamera({ status: 'off' });
      return;
    }
    const video = videoRef.current;
    video.srcObject = stream;
    await video.play().catch(() => {});
    const loop = scanFrames(video, {
      decoder,
      paused: () => verdictRef.current !== null,
      onText: (text, timing) => handlerRef.current(text, 'camera', timing),
      onError: (error) => console.warn('scanner: frame not decoded', error),
    });
    cameraRef.current = { stream, loop };
    const capabilities = cameraCapabilities(stream);
    setTorchOn(false);
    setZoomValue(capabilities.zoom ? capabilities.zoom.min : null);
    setCamera({ status: 'on', decoder: decoder.kind, ...capabilities });
    cameraCount().then(setCameras);
  }

  async function toggleTorch() {
    const stream = cameraRef.current?.stream;
    if (stream && await setTorch(stream, !torchOn)) setTorchOn(!torchOn);
  }

  function changeZoom(value) {
    const stream = cameraRef.current?.stream;
    setZoomValue(value);
    if (stream) setZoom(stream, value);
  }

  function switchCamera() {
    const next = facing === 'environment' ? 'user' : 'environment';
    setFacing(next);
    stopCamera();
    startCamera(next);
  }

  function toggleMuted() {
    setFeedbackMuted(!muted);
    setMuted(!muted);
  }

  function stopCamera() {
    wantCamera.current = false;
    const running = cameraRef.current;
    if (!running || running.starting) return;
    running.loop.stop();
    closeCamera(running.stream);
    if (videoRef.current) videoRef.current.srcObject = null;
    cameraRef.current = null;
    setCamera({ status: 'off' });
  }

  // The camera runs while the data is usable and the page is visible.
  useEffect(() => {
    if (!door || freshness.stale) {
      stopCamera();
      return undefined;
    }
    if (cameraPreferred()) startCamera();
    let resume = false;
    const onVisibility = () => {
      if (document.hidden) {
        resume = cameraRef.current !== null; // resume when visible again, if it was on
        stopCamera();
      } else if (resume) {
        startCamera();
      }
    };
    document.addEventListener('visibilitychange', onVisibility);
    return () => document.removeEventListener('visibilitychange', onVisibility);
  }, [door, freshness.stale]);

  async function run(kind, work) {
    setBusy(kind);
    try {
      await work();
    } finally {
      setBusy(null);
      updateSync();
    }
  }

  function submitManual(submitEvent) {
    submitEvent.preventDefault();
    const text = cleanTyped(manualText);
    if (!text) return;
    handleText(text, 'manual', null).then(() => setManualText(''));
  }

  const disabled = freshness.stale || !door;
  // Retired: scans are still decided (each refused and recorded), the notice says why.
  const retired = isRetired(enrolment) || sync?.bundleError === 'scanner_retired';
  return html`<section class="sc-page" data-scanner-id=${enrolment.scannerId}
      data-bundle-at=${enrolment.bundle?.generated_at} data-since=${enrolment.bundle?.revocations?.since}>
    <${StatusPanel} enrolment=${enrolment} freshness=${freshness} sync=${sync} online=${online} busy=${busy}
      retired=${retired} clockOffsetMs=${clockOffsetMs()}
      onSync=${() => run('sync', syncNow)}
      onRefresh=${() => run('refresh', async () => { await refreshNow(); await syncNow(); })}
      onForget=${onForget} onAcknowledge=${() => acknowledgeRejected().then(updateSync)} />

    <div class="sc-controls">
      <div>
        <label for="sc-event">${t('scanner.event')}</label>
        <select id="sc-event" value=${eventId} disabled=${disabled}
          onChange=${(e) => setEventId(Number(e.currentTarget.value))}>
          ${events.map((item) => html`<option key=${item.id} value=${item.id}>${eventLabel(item)}</option>`)}
          <option value="0">${t('scanner.no_event')}</option>
        </select>
      </div>
      <div class="field">
        <label for="sc-amount">${t('scanner.amount')}</label>
        <input id="sc-amount" inputmode="decimal" autocomplete="off" value=${amountText} disabled=${disabled}
          aria-invalid=${typedCents === null ? 'true' : undefined} aria-describedby="sc-amount-hint"
          onInput=${(e) => setAmountText(e.currentTarget.value)} />
        <p class="hint" id="sc-amount-hint">${typedCents === null ? t('scanner.amount_invalid')
          : t(event ? 'scanner.amount_hint' : 'scanner.amount_hint_no_event')}</p>
      </div>
    </div>

    <div class="sc-row">
      ${camera.status === 'on' || camera.status === 'starting'
        ? html`<${Button} kind="secondary" onClick=${() => { preferCamera(false); stopCamera(); }}>
            ${t('scanner.camera_stop')}</${Button}>`
        : html`<${Button} kind="primary" disabled=${disabled}
            onClick=${() => { unlockAudio(); preferCamera(true); startCamera(); }}>
            ${t('scanner.camera_start')}</${Button}>`}
      <button type="button" class="btn btn-link sc-mute" aria-pressed=${muted ? 'true' : 'false'}
        onClick=${toggleMuted}>${muted ? t('typed.sound_off') : t('typed.sound_on')}</button>
    </div>

    <div class="sc-viewfinder" data-camera=${camera.status} data-decoder=${camera.decoder || ''}
        data-facing=${facing} data-torch=${camera.torch ? (torchOn ? 'on' : 'off') : 'none'}>
      <video ref=${videoRef} muted playsinline autoplay aria-label=${t('scanner.camera_label')}></video>
      ${camera.status === 'on' ? html`<div class="sc-viewfinder-frame" aria-hidden="true"></div>`
        : html`<div class="sc-viewfinder-off" role=${camera.status === 'error' ? 'alert' : 'status'}>
          ${camera.status === 'starting' ? t('scanner.camera_starting')
            : camera.status === 'error' ? camera.message : t('scanner.camera_off')}
        </div>`}
    </div>
    ${camera.status === 'on' ? html`<div class="sc-row sc-camera-tools">
      ${camera.torch ? html`<${Button} kind="secondary" aria-pressed=${torchOn ? 'true' : 'false'} onClick=${toggleTorch}>
        ${torchOn ? t('typed.torch_off') : t('typed.torch_on')}</${Button}>` : null}
      ${cameras > 1 ? html`<${Button} kind="secondary" onClick=${switchCamera}>${t('typed.switch_camera')}</${Button}>`
        : null}
      ${camera.zoom ? html`<label class="sc-zoom">${t('typed.zoom')}
        <input type="range" min=${camera.zoom.min} max=${camera.zoom.max} step=${camera.zoom.step}
          value=${zoom ?? camera.zoom.min} onInput=${(e) => changeZoom(Number(e.currentTarget.value))} /></label>`
        : null}
    </div>` : null}

    <${TypedCodeForm} enrolment=${enrolment} event=${event} disabled=${disabled}
      settings=${() => settings.current} onVerdict=${(result) => {
        if (!verdictRef.current) showVerdict(result);
      }} />
    <div class="sc-row">
      <${Link} href="/s/registro" class="btn btn-link">${t('scanner.log_link')}</${Link}>
    </div>

    <details class="sc-manual">
      <summary>${t('scanner.manual')}</summary>
      <form class="form" onSubmit=${submitManual}>
        <div class="field">
          <label for="sc-manual-text">${t('scanner.manual_label')}</label>
          <textarea id="sc-manual-text" autocapitalize="characters" autocomplete="off" spellcheck="false"
            value=${manualText} disabled=${disabled} onInput=${(e) => setManualText(e.currentTarget.value)}></textarea>
        </div>
        <${Button} type="submit" disabled=${disabled || !manualText.trim()}>${t('scanner.manual_submit')}</${Button}>
      </form>
    </details>

    ${verdict ? html`<${VerdictScreen} verdict=${verdict} onDismiss=${dismiss}
      showMs=${bench ? BENCH_SHOW_MS : undefined} />` : null}
  </section>`;
}
