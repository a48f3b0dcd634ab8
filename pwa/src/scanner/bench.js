// Latency instrumentation for bench/scanner_latency.py, on only with `?bench=1` in the
// URL (the flag is remembered for the tab, so navigating inside the app keeps it).
//
// Per verdict: from the camera frame's arrival (requestVideoFrameCallback metadata,
// else the moment the loop grabbed it) to the verdict painted, taken after the next
// animation frame and one more task (rAF callbacks run before paint; the task after
// runs once the frame has been produced). Samples go to `window.__scannerBench`.
const FLAG = 'mentoring.scanner-bench';

export function benchEnabled() {
  try {
    if (new URLSearchParams(location.search).get('bench') === '1') sessionStorage.setItem(FLAG, '1');
    return sessionStorage.getItem(FLAG) === '1';
  } catch {
    return false;
  }
}

function afterPaint() {
  return new Promise((resolve) => {
    requestAnimationFrame(() => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => resolve(performance.now());
      channel.port2.postMessage(null);
    });
  });
}

/** Record one verdict's timing once it is on screen. `timing`: {frameTime, grabTime, decodedTime}. */
export async function recordVerdictTiming(timing, verdict) {
  const paintedTime = await afterPaint();
  const samples = (window.__scannerBench ||= []);
  samples.push({
    code: verdict.code,
    accepted: verdict.accepted,
    frameTimeSource: timing.frameTimeSource,
    frameToVerdictMs: paintedTime - timing.frameTime,
    frameToGrabMs: timing.grabTime - timing.frameTime,
    grabToVerdictMs: paintedTime - timing.grabTime,
    decodeMs: timing.decodedTime - timing.grabTime,
    decideMs: timing.decidedTime - timing.decodedTime,
  });
}
