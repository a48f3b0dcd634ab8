// The camera and the frame loop.
//
// Light on purpose: one frame at a time (a frame that arrives while the previous one is
// being decoded is skipped, never queued), decoded from a downscaled centre crop (a
// QR held up to the phone fills the middle; fewer pixels decode faster), and paced by
// requestVideoFrameCallback where it exists, so a frame is read once, when it is new.
// The loop stops reading frames while `paused()` says so (a verdict is on screen).

export const CROP_SIDE = 480; // pixels of the square the decoder sees

export class CameraError extends Error {
  constructor(code, cause) {
    super(code);
    this.name = 'CameraError';
    this.code = code; // 'unsupported' | 'denied' | 'not_found' | 'busy' | 'failed'
    this.cause = cause;
  }
}

/** The rear camera's stream (front or any camera when there is none); `facing: 'user'` the front one. */
export async function openCamera({ facing = 'environment' } = {}) {
  if (!navigator.mediaDevices?.getUserMedia) throw new CameraError('unsupported');
  try {
    return await navigator.mediaDevices.getUserMedia({
      audio: false,
      video: { facingMode: facing, width: { ideal: 1280 }, height: { ideal: 720 } },
    });
  } catch (error) {
    const code = {
      NotAllowedError: 'denied', SecurityError: 'denied', NotFoundError: 'not_found', OverconstrainedError: 'not_found',
      NotReadableError: 'busy', AbortError: 'busy',
    }[error?.name] || 'failed';
    throw new CameraError(code, error);
  }
}

export function closeCamera(stream) {
  for (const track of stream?.getTracks() || []) track.stop();
}

/**
 * What the running camera can do for a hard code: {torch, zoom: {min, max, step} | null}.
 * Only what the track says it can (getCapabilities): a torch or zoom the phone lacks is
 * not offered, rather than offered and failing.
 */
export function cameraCapabilities(stream) {
  const track = stream?.getVideoTracks?.()[0];
  const capabilities = typeof track?.getCapabilities === 'function' ? track.getCapabilities() : {};
  const zoom = capabilities.zoom;
  const zoomable = zoom && Number.isFinite(zoom.min) && Number.isFinite(zoom.max) && zoom.max > zoom.min;
  return {
    torch: capabilities.torch === true || (Array.isArray(capabilities.torch) && capabilities.torch.includes(true)),
    zoom: zoomable ? { min: zoom.min, max: zoom.max, step: zoom.step > 0 ? zoom.step : 0.1 } : null,
  };
}

/** Torch on or off; resolves to whether the track took it. */
export async function setTorch(stream, on) {
  return applyAdvanced(stream, { torch: Boolean(on) });
}

/** Zoom to `value` (within cameraCapabilities().zoom); resolves to whether the track took it. */
export async function setZoom(stream, value) {
  return applyAdvanced(stream, { zoom: value });
}

async function applyAdvanced(stream, constraint) {
  const track = stream?.getVideoTracks?.()[0];
  if (!track?.applyConstraints) return false;
  try {
    await track.applyConstraints({ advanced: [constraint] });
    return true;
  } catch (error) {
    console.warn('scanner: camera setting refused', constraint, error);
    return false;
  }
}

/** How many cameras the phone has (labels need no permission for a count): a switch needs two. */
export async function cameraCount() {
  try {
    const devices = await navigator.mediaDevices?.enumerateDevices?.();
    return (devices || []).filter((device) => device.kind === 'videoinput').length;
  } catch {
    return 0;
  }
}

/**
 * The frame's arrival (performance.now() clock) from requestVideoFrameCallback metadata:
 * {time, source}. A timestamp from another clock (or none) would make nonsense
 * latencies: the first that lies in the second before the callback is kept.
 */
function arrival(now, metadata) {
  for (const source of ['captureTime', 'receiveTime', 'presentationTime']) {
    const value = metadata?.[source];
    const plausible = typeof value === 'number' && value > 0 && value <= now + 1 && now - value < 1000;
    if (plausible) return { time: value, source };
  }
  return { time: now, source: metadata ? 'callback' : 'animationFrame' };
}

/**
 * Read frames from `video` until stopped. For each frame with a QR code:
 * `onText(text, {frameTime, frameTimeSource, grabTime, decodedTime})` (performance.now() clock).
 * Returns {stop()}.
 */
export function scanFrames(video, { decoder, onText, paused = () => false, onError = () => {} }) {
  const canvas = document.createElement('canvas');
  canvas.width = CROP_SIDE;
  canvas.height = CROP_SIDE;
  const context = canvas.getContext('2d', { willReadFrequently: true, alpha: false });
  const hasFrameCallback = typeof video.requestVideoFrameCallback === 'function';
  let stopped = false;
  let handle = null;

  function schedule() {
    if (stopped) return;
    handle = hasFrameCallback ? video.requestVideoFrameCallback(tick) : requestAnimationFrame((now) => tick(now, null));
  }

  async function tick(now, metadata) {
    if (stopped) return;
    const width = video.videoWidth;
    const height = video.videoHeight;
    if (paused() || !width || !height || video.readyState < 2) {
      schedule();
      return;
    }
    const { time: frameTime, source: frameTimeSource } = arrival(now, metadata);
    const grabTime = performance.now();
    try {
      const side = Math.min(width, height);
      const scale = Math.min(1, CROP_SIDE / side);
      const drawn = Math.round(side * scale);
      if (canvas.width !== drawn) {
        canvas.width = drawn;
        canvas.height = drawn;
      }
      context.drawImage(video, (width - side) / 2, (height - side) / 2, side, side, 0, 0, drawn, drawn);
      const pixels = decoder.needsPixels ? context.getImageData(0, 0, drawn, drawn) : null;
      const text = await decoder.decode(canvas, pixels);
      const decodedTime = performance.now();
      if (text && !stopped) await onText(text, { frameTime, frameTimeSource, grabTime, decodedTime });
    } catch (error) {
      onError(error);
    }
    schedule();
  }

  schedule();
  return {
    stop() {
      stopped = true;
      if (handle === null) return;
      if (hasFrameCallback) video.cancelVideoFrameCallback?.(handle);
      else cancelAnimationFrame(handle);
    },
  };
}
