// What the scanner says about a verdict, in plain words for the person at the door:
// Italian first, English second, one pair per verdict code. decide.js attaches them to
// every verdict; the log keeps them with each entry, so it reads the same later.

// --- money -----------------------------------------------------------------------

/** Cents as Italian text, "1.234,50 €" (plain space: the same in every engine, unlike Intl). */
export function formatEuroIt(cents) {
  const sign = cents < 0 ? '-' : '';
  const value = Math.abs(cents);
  const euros = String(Math.floor(value / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, '.');
  return `${sign}${euros},${String(value % 100).padStart(2, '0')} €`;
}

/** Cents as English text, "€1,234.50". */
export function formatEuroEn(cents) {
  const sign = cents < 0 ? '-' : '';
  const value = Math.abs(cents);
  const euros = String(Math.floor(value / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}€${euros}.${String(value % 100).padStart(2, '0')}`;
}

// --- messages --------------------------------------------------------------------
// Plain words for the person at the door (Italian first), one pair per verdict. `c` is
// the context: kind, reason, amounts.

const isTicket = (c) => c.kind === 'ticket';

/** " di 12 min" / " by 12 min": how far the student's code is from this scanner's time, when known. */
function minutesOff(c, language) {
  if (!Number.isFinite(c.stepOffsetSeconds)) return '';
  const minutes = Math.max(1, Math.round(Math.abs(c.stepOffsetSeconds) / 60));
  return language === 'it' ? ` di ${minutes} min` : ` by ${minutes} min`;
}

const MESSAGES = {
  accepted: (c) => (isTicket(c)
    ? ['Biglietto valido: può entrare', 'Valid ticket: let them in']
    : [`Pagato ${formatEuroIt(c.amountCents)} con il buono`, `Paid ${formatEuroEn(c.amountCents)} with the voucher`]),
  malformed: () => ['Codice non riconosciuto: non è un QR di Mentoring', 'Unknown code: not a Mentoring QR'],
  unsupported_version: () => [
    "Codice di una versione più nuova: aggiorna l'app dello scanner",
    'Code from a newer version: update the scanner app',
  ],
  wrong_kind: () => [
    "QR non adatto: chiedi di aprire il buono nell'app e mostrare il QR che cambia",
    'Wrong QR: ask them to open the voucher in the app and show the changing code',
  ],
  unknown_key: () => [
    'Codice firmato con una chiave sconosciuta: collegati per aggiornare lo scanner',
    'Signed with an unknown key: go online to update the scanner',
  ],
  bad_signature: () => ['Firma non valida', 'Invalid signature'],
  bad_device_signature: () => [
    'Firma del telefono non valida: il QR non viene dal telefono del titolare',
    "Invalid phone signature: the code does not come from the holder's phone",
  ],
  expired: (c) => (isTicket(c) ? ['Biglietto scaduto', 'Ticket expired'] : ['Buono scaduto', 'Voucher expired']),
  not_yet_valid: (c) => (isTicket(c)
    ? ['Biglietto non ancora valido', 'Ticket not valid yet']
    : ['Buono non ancora valido', 'Voucher not valid yet']),
  // Whose clock: this scanner dates its decisions on the server's time once it has
  // measured it (clock.js, `clockKnown`), so a code off in time is the student's phone's
  // (a wallet that never reached the server, or a screenshot). Before that it cannot tell.
  stale_presentation: (c) => (c.clockKnown
    ? [
      `QR scaduto${minutesOff(c, 'it')}: chiedi di riaprire il buono. Se si ripete, l'orologio del telefono `
        + "dello studente è indietro: va corretto, o l'app aperta una volta online",
      `Code expired${minutesOff(c, 'en')}: ask them to reopen the voucher. If it happens again, the student's `
        + 'phone clock is behind: it needs setting, or the app opening online once',
    ]
    : [
      "QR scaduto: chiedi di riaprire il buono. Se si ripete, controlla l'ora di questo telefono (collegati)",
      "Code expired: ask them to reopen the voucher. If it happens again, check this phone's time (go online)",
    ]),
  future_presentation: (c) => (c.clockKnown
    ? [
      `L'orologio del telefono dello studente è avanti${minutesOff(c, 'it')}: chiedi di correggere l'ora `
        + "o di aprire l'app una volta online",
      `The student's phone clock is ahead${minutesOff(c, 'en')}: ask them to set the time or to open the app `
        + 'online once',
    ]
    : [
      "L'ora del telefono dello studente e quella di questo telefono non coincidono: collegati per controllare "
        + "l'ora di questo telefono",
      "The student's phone and this phone disagree on the time: go online to check this phone's time",
    ]),
  scanner_clock_wrong: () => [
    "L'orologio di questo telefono è sbagliato di oltre un giorno: correggi data e ora nelle impostazioni, "
      + 'poi collegati',
    "This phone's clock is more than a day off: set the date and time in the settings, then go online",
  ],
  revoked: (c) => ({
    ticket: ['Biglietto annullato', 'Ticket cancelled'],
    device: [
      'Telefono bloccato: il titolare deve contattare la scuola',
      'Phone blocked: the holder must contact the school',
    ],
  }[c.reason] || ['Buono bloccato', 'Voucher frozen']),
  out_of_scope: (c) => ({
    venue: isTicket(c)
      ? ['Biglietto per un’altra sede', 'Ticket for another venue']
      : ['Buono non valido in questa sede', 'Voucher not valid at this venue'],
    category: ['Buono non valido per questo tipo di evento', 'Voucher not valid for this kind of event'],
    event: ['Biglietto per un altro evento', 'Ticket for another event'],
    event_not_at_venue: [
      'Evento non in programma in questa sede: scegli l’evento giusto',
      'Event not on at this venue: choose the right event',
    ],
    outside_campaign_area: [
      'Questo buono non vale in questo comune: lo sponsor lo ha dato per un altro territorio',
      'This voucher is not valid in this municipality: the sponsor gave it for another area',
    ],
  }[c.reason] || ['Non valido qui', 'Not valid here']),
  already_presented: (c) => (isTicket(c)
    ? ['Biglietto già usato su questo dispositivo', 'Ticket already used on this device']
    : ['Già usato su questo dispositivo', 'Already used on this device']),
  // The limit is this scanner's share of the voucher's offline allowance (bundle.js).
  allowance_exceeded: (c) => (c.spentCents > 0
    ? [
      `Supera il limite offline di ${formatEuroIt(c.allowanceCents)} su questo scanner `
        + `(già spesi ${formatEuroIt(c.spentCents)} qui)`,
      `Over the offline limit of ${formatEuroEn(c.allowanceCents)} on this scanner `
        + `(${formatEuroEn(c.spentCents)} already spent here)`,
    ]
    : [
      `Supera il limite offline di ${formatEuroIt(c.allowanceCents)} su questo scanner`,
      `Over the offline limit of ${formatEuroEn(c.allowanceCents)} on this scanner`,
    ]),
  scanner_retired: () => [
    'Scanner disattivato: la sede ha ritirato questo telefono. Non far entrare con questo telefono',
    'Scanner retired: the venue has withdrawn this phone. Do not let anyone in with this phone',
  ],
  scanner_data_stale: (c) => (c.reason === 'missing'
    ? ['Scanner senza dati: collegati per scaricarli', 'No scanner data: go online to download it']
    : [
      'Dati dello scanner troppo vecchi: collegati per aggiornarli',
      'Scanner data too old: go online to update it',
    ]),
  invalid_amount: () => ['Importo non valido: inserisci il prezzo', 'Invalid amount: enter the price'],
};

/** The Italian and English words for a verdict code in a context ({kind, reason, amountCents...}). */
export function verdictMessages(code, context = {}) {
  const [it, en] = (MESSAGES[code] || (() => ['Codice rifiutato', 'Code refused']))(context);
  return { messageIt: it, messageEn: en };
}

