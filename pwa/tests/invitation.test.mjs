// Reading an invitation link before accepting it (pwa/src/pages/invitation-token.js):
// tokens made by itsdangerous as the server makes them (URLSafeTimedSerializer, salt
// "mentoring.invitation"), plain and zlib-compressed, and where a new member lands.
// Run: node --test pwa/tests/
// (The page itself is tested in Chromium: tests/pwa/test_login_browser.py.)

import assert from 'node:assert/strict';
import { describe as suite, test } from 'node:test';

import { landingPath, readInvitationUnverified } from '../src/pages/invitation-token.js';

// URLSafeTimedSerializer('test-secret', salt='mentoring.invitation').dumps(...)
const PLAIN = 'eyJvcmciOjcsIm5hbWUiOiJUZWF0cm8gZGVpIE5hdmlnbGkiLCJlbWFpbCI6ImNhc3NhQHRlYXRyby5pdCIsInJvbGUiOiJzdGFmZiJ9'
  + '.awc1Bg.PKCxP8CaVa-X8b-mUF4q_90m4Pk';
// {"org": 8, "name": "Teatro " * 12 + "Città", ...}: long enough that itsdangerous compressed it.
const COMPRESSED = '.eJyrVsovSleystBRykvMTVWyUgpJTSwpylegKuWcWVJyeIGSjlJqbmJmDtCSgqL8NIfi5NL8nES9zBKgRFF-Dsjy3NTcpNQi'
  + 'pVoAc1E0yA.awc1Bg.flOA58CLuCCcI3fIDl-gnQcXJSc';
// Made before tokens named the organisation.
const NAMELESS = 'eyJvcmciOjksImVtYWlsIjoib2xkQHNjdW9sYS5pdCIsInJvbGUiOiJtZW1iZXIifQ'
  + '.awc1Bg.qan9M7bT8nraQRJZKTrp83KFoak';

suite('reading an invitation', () => {
  test('a plain token names the organisation, the address and the role', async () => {
    assert.deepEqual(await readInvitationUnverified(PLAIN),
                     { org: 7, name: 'Teatro dei Navigli', email: 'cassa@teatro.it', role: 'staff' });
  });

  test('a compressed token is inflated, UTF-8 included', async () => {
    const read = await readInvitationUnverified(COMPRESSED);
    assert.equal(read.name, `${'Teatro '.repeat(12)}Città`);
    assert.deepEqual({ ...read, name: null }, { org: 8, name: null, email: 'prof@scuola.it', role: 'member' });
  });

  test('an older token without the name still reads', async () => {
    assert.deepEqual(await readInvitationUnverified(NAMELESS),
                     { org: 9, name: null, email: 'old@scuola.it', role: 'member' });
  });

  test('anything else is null, never an exception', async () => {
    for (const token of ['', null, undefined, 'abc', PLAIN.split('.').slice(0, 2).join('.'), `!${PLAIN}`,
                         `${btoa('[1,2]')}.a.b`, `${btoa('{"org":"7","email":"x","role":"member"}')}.a.b`,
                         `.${PLAIN}`]) {
      assert.equal(await readInvitationUnverified(token), null, String(token));
    }
  });
});

suite('where a new member lands', () => {
  const user = (...memberships) => ({ memberships });

  test('venue staff go to the scanner, members to the organisations’ area', () => {
    assert.equal(landingPath(user({ organisation_id: 7, role: 'staff' }), 7), '/s');
    assert.equal(landingPath(user({ organisation_id: 7, role: 'member' }), 7), '/o');
  });

  test('the invitation’s organisation decides, whatever else the person belongs to', () => {
    const both = user({ organisation_id: 3, role: 'owner' }, { organisation_id: 7, role: 'staff' });
    assert.equal(landingPath(both, 7), '/s');
    assert.equal(landingPath(both, 3), '/o');
  });

  test('not knowing the organisation: the scanner only for someone who is staff everywhere', () => {
    assert.equal(landingPath(user({ organisation_id: 7, role: 'staff' }), undefined), '/s');
    assert.equal(landingPath(user({ organisation_id: 7, role: 'staff' }, { organisation_id: 3, role: 'owner' })),
                 '/o');
    assert.equal(landingPath(user(), undefined), '/o');
  });
});
