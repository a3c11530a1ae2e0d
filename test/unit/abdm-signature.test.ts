/** The Beckn `Authorization` header of UHI messages: Ed25519 over the BLAKE2b-512 digest of the body. */
import { createHash, generateKeyPairSync, verify } from 'node:crypto';
import { becknDigest, signBecknRequest, verifyBecknRequest } from 'opd-scheduler/abdm';
import { describe, expect, it } from 'vitest';
import { expectInvalid } from '../helpers.js';

const pair = generateKeyPairSync('ed25519');
const other = generateKeyPairSync('ed25519');
const body = JSON.stringify({ context: { domain: 'nic2004:85111', action: 'search', transaction_id: 't-1' }, message: { intent: {} } });
const now = new Date(Date.UTC(2026, 0, 30, 9, 0, 0));

describe('Beckn signatures', () => {
  it('build the header of the UHI form, over the signing string of created, expires and the BLAKE-512 digest', () => {
    const header = signBecknRequest(body, { subscriberId: 'hspa.example.org', uniqueKeyId: 'k1', privateKey: pair.privateKey, now, ttlSeconds: 60 });
    const created = Math.floor(now.getTime() / 1000);
    expect(header).toMatch(new RegExp(`^Signature keyId="hspa\\.example\\.org\\|k1\\|ed25519",algorithm="ed25519",created="${created}",expires="${created + 60}",headers="\\(created\\) \\(expires\\) digest",signature="[A-Za-z0-9+/]+={0,2}"$`));
    expect(becknDigest(body)).toBe(createHash('blake2b512').update(body).digest('base64'));
    const signature = Buffer.from(/signature="([^"]+)"/.exec(header)?.[1] ?? '', 'base64');
    const signing = `(created): ${created}\n(expires): ${created + 60}\ndigest: BLAKE-512=${becknDigest(body)}`;
    expect(verify(null, Buffer.from(signing), pair.publicKey, signature)).toBe(true);
    expect(verifyBecknRequest(body, header, { publicKey: pair.publicKey, now, subscriberId: 'hspa.example.org' })).toEqual({ subscriberId: 'hspa.example.org', uniqueKeyId: 'k1', created: new Date(created * 1000), expires: new Date((created + 60) * 1000) });
  });

  it('accept a PEM key', () => {
    const header = signBecknRequest(body, { subscriberId: 's', uniqueKeyId: 'k', privateKey: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), now });
    expect(verifyBecknRequest(body, header, { publicKey: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(), now }).uniqueKeyId).toBe('k');
  });

  it('refuse a tampered body, an expired signature, a wrong key, another subscriber, a malformed header', () => {
    const header = signBecknRequest(body, { subscriberId: 'hspa.example.org', uniqueKeyId: 'k1', privateKey: pair.privateKey, now, ttlSeconds: 60 });
    expectInvalid(() => verifyBecknRequest(body.replace('t-1', 't-2'), header, { publicKey: pair.publicKey, now }), 'authorization');
    expectInvalid(() => verifyBecknRequest(body, header, { publicKey: pair.publicKey, now: new Date(now.getTime() + 61_000) }), 'authorization');
    expectInvalid(() => verifyBecknRequest(body, header, { publicKey: pair.publicKey, now: new Date(now.getTime() - 60_000) }), 'authorization');
    expectInvalid(() => verifyBecknRequest(body, header, { publicKey: other.publicKey, now }), 'authorization');
    expectInvalid(() => verifyBecknRequest(body, header, { publicKey: pair.publicKey, now, subscriberId: 'eua.example.org' }), 'authorization');
    expectInvalid(() => verifyBecknRequest(body, header.replace('algorithm="ed25519"', 'algorithm="rsa"'), { publicKey: pair.publicKey, now }), 'authorization');
    expectInvalid(() => verifyBecknRequest(body, header.replace(/signature="[^"]+"/, 'signature="AAAA"'), { publicKey: pair.publicKey, now }), 'authorization');
    expectInvalid(() => verifyBecknRequest(body, 'Bearer x', { publicKey: pair.publicKey, now }), 'authorization');
    expect(verifyBecknRequest(body, header, { publicKey: pair.publicKey, now: new Date(now.getTime() + 59_000) }).subscriberId).toBe('hspa.example.org');
  });

  it('refuse bad options with the option named', () => {
    expectInvalid(() => signBecknRequest(body, { subscriberId: 'a|b', uniqueKeyId: 'k', privateKey: pair.privateKey }), 'subscriberId');
    expectInvalid(() => signBecknRequest(body, { subscriberId: 's', uniqueKeyId: '', privateKey: pair.privateKey }), 'uniqueKeyId');
    expectInvalid(() => signBecknRequest(body, { subscriberId: 's', uniqueKeyId: 'k', privateKey: pair.publicKey }), 'privateKey');
    expectInvalid(() => signBecknRequest(body, { subscriberId: 's', uniqueKeyId: 'k', privateKey: generateKeyPairSync('x25519').privateKey }), 'privateKey');
    expectInvalid(() => signBecknRequest(body, { subscriberId: 's', uniqueKeyId: 'k', privateKey: pair.privateKey, ttlSeconds: 0 }), 'ttlSeconds');
    expectInvalid(() => verifyBecknRequest(body, signBecknRequest(body, { subscriberId: 's', uniqueKeyId: 'k', privateKey: pair.privateKey }), { publicKey: 'not a key' }), 'publicKey');
  });
});
