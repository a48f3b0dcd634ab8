// browser-check.js against user agents as the apps send them (copied from real devices'
// reports): each in-app browser is named, real browsers are not, and iOS Safari outside
// the Home Screen is told to add the wallet there. Run: node --test pwa/tests/
import assert from 'node:assert/strict';
import { suite, test } from 'node:test';

import { inAppBrowser, inAppName, isIos, storageAdvice } from '../src/wallet/browser-check.js';

const IOS_SAFARI = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) '
  + 'Version/17.4 Mobile/15E148 Safari/604.1';
const IOS_CHROME = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) '
  + 'CriOS/123.0.6312.52 Mobile/15E148 Safari/604.1';
const IPADOS_SAFARI = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) '
  + 'Version/17.4 Safari/605.1.15';
const ANDROID_CHROME = 'Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) '
  + 'Chrome/124.0.6367.82 Mobile Safari/537.36';
const ANDROID_SAMSUNG = 'Mozilla/5.0 (Linux; Android 13; SM-A536B) AppleWebKit/537.36 (KHTML, like Gecko) '
  + 'SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36';
const ANDROID_FIREFOX = 'Mozilla/5.0 (Android 14; Mobile; rv:125.0) Gecko/125.0 Firefox/125.0';
const DESKTOP_CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 '
  + 'Safari/537.36';

const IN_APP = {
  instagram: [
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 '
      + 'Instagram 326.0.3.24.109 (iPhone14,5; iOS 17_4; it_IT; it; scale=3.00; 1170x2532; 578227364)',
    'Mozilla/5.0 (Linux; Android 13; SM-G991B Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) '
      + 'Version/4.0 Chrome/123.0.6312.118 Mobile Safari/537.36 Instagram 325.0.0.35.91 Android',
  ],
  facebook: [
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 '
      + '[FBAN/FBIOS;FBAV/459.0.0.44.104;FBBV/580004584;FBDV/iPhone14,5;FBMD/iPhone;FBSN/iOS;FBSV/17.4;FBLC/it_IT]',
    'Mozilla/5.0 (Linux; Android 14; Pixel 7 Build/UQ1A.240205.004; wv) AppleWebKit/537.36 (KHTML, like Gecko) '
      + 'Version/4.0 Chrome/122.0.6261.119 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/454.0.0.44.108;]',
  ],
  messenger: [
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 '
      + '[FBAN/MessengerForiOS;FBAV/453.0.0.37.106;FBBV/571468434;FBDV/iPhone14,5]',
    'Mozilla/5.0 (Linux; Android 13; SM-A536B Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) '
      + 'Version/4.0 Chrome/123.0.6312.99 Mobile Safari/537.36 [FB_IAB/Orca-Android;FBAV/452.0.0.41.109;]',
  ],
  whatsapp: [
    'Mozilla/5.0 (Linux; Android 12; moto g(60)) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/118.0.0.0 Mobile '
      + 'Safari/537.36 WhatsApp/2.24.6.77',
  ],
  tiktok: [
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 '
      + 'musical_ly_34.1.0 JsSdk/2.0 NetType/WIFI Channel/App Store ByteLocale/it Region/IT',
    'Mozilla/5.0 (Linux; Android 13; SM-A536B Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) '
      + 'Version/4.0 Chrome/120.0.6099.230 Mobile Safari/537.36 BytedanceWebview/d8a21c6 trill_340100',
  ],
  line: [
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 '
      + 'Safari Line/14.3.0',
  ],
  snapchat: [
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 '
      + 'Snapchat/12.80.0.37 (like Safari/8617.2.4.10.8, panda)',
  ],
  webview: [
    'Mozilla/5.0 (Linux; Android 14; Pixel 7 Build/UQ1A.240205.004; wv) AppleWebKit/537.36 (KHTML, like Gecko) '
      + 'Version/4.0 Chrome/124.0.6367.82 Mobile Safari/537.36',
  ],
};

suite('in-app browsers are named', () => {
  for (const [app, agents] of Object.entries(IN_APP)) {
    agents.forEach((agent, i) => {
      test(`${app} #${i + 1}`, () => {
        assert.equal(inAppBrowser(agent), app);
        assert.deepEqual(storageAdvice({ userAgent: agent }), { advice: 'open_in_browser', app });
      });
    });
  }
  test('an in-app browser is advised against even when it claims to be standalone', () => {
    assert.equal(storageAdvice({ userAgent: IN_APP.instagram[0], standalone: true }).advice, 'open_in_browser');
  });
  test('names to show: the app, or none for an unnamed WebView', () => {
    assert.equal(inAppName('instagram'), 'Instagram');
    assert.equal(inAppName('tiktok'), 'TikTok');
    assert.equal(inAppName('webview'), null);
    assert.equal(inAppName('nonsense'), null);
  });
});

suite('real browsers are not in-app browsers', () => {
  for (const agent of [IOS_SAFARI, IOS_CHROME, IPADOS_SAFARI, ANDROID_CHROME, ANDROID_SAMSUNG, ANDROID_FIREFOX,
    DESKTOP_CHROME, '', undefined]) {
    test(String(agent).slice(0, 60), () => assert.equal(inAppBrowser(agent), null));
  }
  test('the word "line" alone is not LINE', () => {
    assert.equal(inAppBrowser('Mozilla/5.0 (X11; Linux x86_64; Online) Firefox/125.0'), null);
  });
});

suite('iOS outside the Home Screen is told to add the wallet there', () => {
  test('iPhone Safari, not installed', () => {
    assert.deepEqual(storageAdvice({ userAgent: IOS_SAFARI, standalone: false }), { advice: 'add_to_home' });
  });
  test('iPhone Chrome (WebKit too, the same 7-day rule)', () => {
    assert.deepEqual(storageAdvice({ userAgent: IOS_CHROME }), { advice: 'add_to_home' });
  });
  test('iPadOS Safari says Macintosh but has touch', () => {
    assert.equal(isIos(IPADOS_SAFARI, 5), true);
    assert.deepEqual(storageAdvice({ userAgent: IPADOS_SAFARI, maxTouchPoints: 5 }), { advice: 'add_to_home' });
  });
  test('a Mac without touch is not iOS', () => {
    assert.equal(isIos(IPADOS_SAFARI, 0), false);
    assert.deepEqual(storageAdvice({ userAgent: IPADOS_SAFARI }), { advice: null });
  });
  test('added to the Home Screen: nothing to advise', () => {
    assert.deepEqual(storageAdvice({ userAgent: IOS_SAFARI, standalone: true }), { advice: null });
  });
});

suite('storage that lasts needs no advice', () => {
  for (const agent of [ANDROID_CHROME, ANDROID_SAMSUNG, ANDROID_FIREFOX, DESKTOP_CHROME]) {
    test(agent.slice(0, 60), () => assert.deepEqual(storageAdvice({ userAgent: agent }), { advice: null }));
  }
});
