// A verdict felt and heard, not only seen: staff at a busy entrance look at the student,
// not at the phone. Accepted: one short buzz and a high tone; refused: two long buzzes
// and a low double tone. The tones are made with WebAudio (no audio files to fetch or
// cache). The staff can mute both; the choice is kept on this phone.
const MUTE_PREFERENCE = 'mentoring.scanner.muted';

const PATTERNS = {
  accepted: { vibrate: [80], tones: [[880, 0, 0.12]] },
  refused: { vibrate: [250, 120, 250], tones: [[220, 0, 0.22], [196, 0.28, 0.22]] },
};

let audio = null;

export function feedbackMuted() {
  try {
    return localStorage.getItem(MUTE_PREFERENCE) === 'on';
  } catch {
    return false;
  }
}

export function setFeedbackMuted(muted) {
  try {
    localStorage.setItem(MUTE_PREFERENCE, muted ? 'on' : 'off');
  } catch {
    // not remembered: the staff mute again next time
  }
}

/**
 * Browsers start audio only after a tap: call this from one (the camera's start button,
 * a typed code's submit) so the first verdict can already be heard.
 */
export function unlockAudio() {
  const Context = globalThis.AudioContext || globalThis.webkitAudioContext;
  if (!Context) return null;
  try {
    audio ??= new Context();
    if (audio.state === 'suspended') audio.resume().catch(() => {});
  } catch {
    audio = null;
  }
  return audio;
}

/** Buzz and beep for a verdict, unless muted. Returns what was done (tests read it). */
export function signalVerdict(accepted) {
  const pattern = PATTERNS[accepted ? 'accepted' : 'refused'];
  const done = { kind: accepted ? 'accepted' : 'refused', vibrated: false, tones: 0, muted: feedbackMuted() };
  if (done.muted) return done;
  try {
    done.vibrated = typeof navigator.vibrate === 'function' && navigator.vibrate(pattern.vibrate) === true;
  } catch {
    // no vibration motor, or not allowed here: the sound and the screen remain
  }
  const context = unlockAudio();
  if (context) {
    for (const [frequency, start, length] of pattern.tones) {
      const at = context.currentTime + start;
      const oscillator = context.createOscillator();
      const gain = context.createGain();
      oscillator.type = accepted ? 'sine' : 'square';
      oscillator.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.25, at + 0.01); // no click at the start
      gain.gain.exponentialRampToValueAtTime(0.0001, at + length);
      oscillator.connect(gain).connect(context.destination);
      oscillator.start(at);
      oscillator.stop(at + length + 0.02);
      done.tones += 1;
    }
  }
  return done;
}
