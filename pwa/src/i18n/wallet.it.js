// Portafoglio dello studente: memoria che dura, saldo onesto, stato dei buoni.
// Italian first; keys mirror wallet.en.js. ('wallet.*' and 'claim.*' live in it.js.)
export default {
  // Prima di aggiungere un buono: dove resta salvato.
  'wallet2.in_app_title': 'Apri il link nel browser del telefono',
  'wallet2.in_app_named': 'Stai usando il browser interno di {app}: un buono aggiunto qui resta chiuso dentro {app} e si può perdere.',
  'wallet2.in_app_unnamed': 'Stai usando il browser interno di un’app: un buono aggiunto qui resta chiuso dentro l’app e si può perdere.',
  'wallet2.in_app_how': 'Tocca il menu (⋯ o ⋮) e scegli «Apri nel browser» (Chrome o Safari), oppure copia il link e incollalo lì. Poi aggiungi il buono da lì.',
  'wallet2.ios_title': 'Aggiungi Mentoring alla schermata Home',
  'wallet2.ios_text': 'Su iPhone e iPad, Safari cancella i dati dei siti che non apri per 7 giorni. Dalla schermata Home il buono resta salvato.',
  'wallet2.ios_how': 'Tocca Condividi (il quadrato con la freccia), poi «Aggiungi alla schermata Home»; apri Mentoring da lì e inserisci lì il codice del buono.',
  'wallet2.copy_link': 'Copia il link',
  'wallet2.link_copied': 'Link copiato. Incollalo nel browser.',
  'wallet2.copy_failed': 'Non riesco a copiare: tieni premuto sul link qui sotto.',
  'wallet2.claim_here_anyway': 'Se non puoi, aggiungi il buono qui: funziona lo stesso, ma ricorda di riaprirlo da qui.',

  // Installazione (Android, Chrome): offerta dopo il primo buono.
  'wallet2.install_title': 'Installa Mentoring',
  'wallet2.install_text': 'Il buono si apre come un’app, anche senza rete.',
  'wallet2.install': 'Installa',
  'wallet2.install_later': 'Non ora',

  // Saldo onesto.
  'wallet2.balance_as_of': 'Saldo all’ultimo collegamento',
  'wallet2.as_of': 'aggiornato al {when}',
  'wallet2.offline_spending_note': 'Quello che spendi senza rete compare quando il telefono si ricollega.',

  // Stato dei buoni.
  'wallet2.status_frozen': 'Sospeso',
  'wallet2.status_spent': 'Esaurito',
  'wallet2.status_recovered': 'Spostato',
  'wallet2.frozen_text': 'Il buono è sospeso per un controllo: la scuola e la piattaforma lo stanno verificando. Non serve fare nulla: se serve, ti contatterà la scuola.',
  'wallet2.frozen_overspend': 'Senza rete è stato speso più del saldo.',
  'wallet2.frozen_recovery': 'La scuola ha avviato il recupero del buono: inserisci il nuovo codice che ti ha dato.',
  'wallet2.recovered_text': 'Questo buono è stato spostato su un altro telefono: usalo da lì.',
  'wallet2.recovered_reissued': 'Questo buono è stato sostituito da un nuovo buono, che trovi tra i tuoi buoni.',
  'wallet2.spent_text': 'Il buono è esaurito: hai speso tutto il saldo.',

  // Storico: la riserva dello sponsor.
  'wallet2.reserve_covered': 'di cui {amount} pagati dalla riserva dello sponsor: il saldo del buono non bastava',
  'wallet2.reserve_note': 'Quando senza rete si spende più del saldo, la differenza la paga una riserva dello sponsor e il buono viene sospeso per un controllo.',
};
