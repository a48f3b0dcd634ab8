// Student wallet: storage that lasts, an honest balance, voucher status. Keys mirror wallet.it.js.
export default {
  'wallet2.in_app_title': 'Open the link in your phone’s browser',
  'wallet2.in_app_named': 'You are in {app}’s built-in browser: a voucher added here stays locked inside {app} and can be lost.',
  'wallet2.in_app_unnamed': 'You are in an app’s built-in browser: a voucher added here stays locked inside the app and can be lost.',
  'wallet2.in_app_how': 'Tap the menu (⋯ or ⋮) and choose “Open in browser” (Chrome or Safari), or copy the link and paste it there. Then add the voucher from there.',
  'wallet2.ios_title': 'Add Mentoring to your Home Screen',
  'wallet2.ios_text': 'On iPhone and iPad, Safari deletes the data of sites you don’t open for 7 days. From the Home Screen your voucher stays saved.',
  'wallet2.ios_how': 'Tap Share (the square with the arrow), then “Add to Home Screen”; open Mentoring from there and enter the voucher’s code there.',
  'wallet2.copy_link': 'Copy the link',
  'wallet2.link_copied': 'Link copied. Paste it in your browser.',
  'wallet2.copy_failed': 'Could not copy: press and hold the link below.',
  'wallet2.claim_here_anyway': 'If you can’t, add the voucher here: it works, but remember to open it from here again.',

  'wallet2.install_title': 'Install Mentoring',
  'wallet2.install_text': 'Your voucher opens like an app, even offline.',
  'wallet2.install': 'Install',
  'wallet2.install_later': 'Not now',

  'wallet2.balance_as_of': 'Balance when last connected',
  'wallet2.as_of': 'as of {when}',
  'wallet2.offline_spending_note': 'What you spend offline shows up when the phone connects again.',

  'wallet2.status_frozen': 'Suspended',
  'wallet2.status_spent': 'Used up',
  'wallet2.status_recovered': 'Moved',
  'wallet2.frozen_text': 'This voucher is suspended for a check: the school and the platform are looking into it. You don’t need to do anything: if needed, the school will contact you.',
  'wallet2.frozen_overspend': 'More than the balance was spent offline.',
  'wallet2.frozen_recovery': 'The school started recovering this voucher: enter the new code it gave you.',
  'wallet2.recovered_text': 'This voucher was moved to another phone: use it from there.',
  'wallet2.recovered_reissued': 'This voucher was replaced by a new one, which you find among your vouchers.',
  'wallet2.spent_text': 'This voucher is used up: you spent all of its balance.',

  'wallet2.reserve_covered': '{amount} of it paid by the sponsor’s reserve: the voucher’s balance was not enough',
  'wallet2.reserve_note': 'When more than the balance is spent offline, the sponsor’s reserve pays the difference and the voucher is suspended for a check.',
};
