/**
 * The `Authorization` header of UHI messages in both published schemes and syntaxes: Beckn's
 * BECKN-006 (newline-joined signing string signed as it is, `Signature …` header), reproduced
 * byte for byte, and NHA's `Crypt.java` scheme (space-joined, hashed again with BLAKE2b-512, a
 * JSON header), checked on the derived vector and on vectors of our own made the same way.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { becknDigest, signBecknRequest, verifyBecknRequest } from 'opd-scheduler/abdm';
import { describe, expect, it } from 'vitest';
import { expectInvalid } from '../helpers.js';

const pair = generateKeyPairSync('ed25519');
const other = generateKeyPairSync('ed25519');
const body = JSON.stringify({ context: { domain: 'nic2004:85111', action: 'search', transaction_id: 't-1' }, message: { intent: {} } });
const now = new Date(Date.UTC(2026, 0, 30, 9, 0, 0));
const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/abdm/beckn-signing/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>;

/** The key pair of a libsodium secret key (32-byte seed and 32-byte public key, base64), as BECKN-006 prints it. */
function sodiumKeys(secret: string) {
  const raw = Buffer.from(secret, 'base64');
  const jwk = { kty: 'OKP', crv: 'Ed25519', d: raw.subarray(0, 32).toString('base64url'), x: raw.subarray(32).toString('base64url') };
  return {
    privateKey: createPrivateKey({ key: jwk, format: 'jwk' }),
    publicKey: createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, format: 'jwk' }),
  };
}

describe('Beckn signatures', () => {
  it('reproduce BECKN-006 byte for byte in the beckn-006 scheme, and read it back', () => {
    const v = fixture('beckn-006-bap-example.json') as {
      body: string;
      signing_private_key: string;
      signing_public_key: string;
      created: number;
      expires: number;
      authorization: string;
      digest: string;
    };
    const keys = sodiumKeys(v.signing_private_key);
    expect(keys.publicKey.export({ format: 'jwk' }).x).toBe(Buffer.from(v.signing_public_key, 'base64').toString('base64url'));
    expect(becknDigest(v.body)).toBe(v.digest);
    const header = signBecknRequest(v.body, {
      subscriberId: 'example-bap.com',
      uniqueKeyId: 'bap1234',
      privateKey: keys.privateKey,
      now: new Date(v.created * 1000),
      ttlSeconds: v.expires - v.created,
      scheme: 'beckn-006',
    });
    expect(header).toBe(v.authorization);
    expect(verifyBecknRequest(v.body, v.authorization, { publicKey: keys.publicKey, now: new Date(v.created * 1000) })).toEqual({
      subscriberId: 'example-bap.com',
      uniqueKeyId: 'bap1234',
      created: new Date(v.created * 1000),
      expires: new Date(v.expires * 1000),
      scheme: 'beckn-006',
    });
  });

  it("reproduce the vector of NHA's Crypt.java scheme byte for byte (the default), and our own vectors of it", () => {
    const v = fixture('DERIVED-nha-uhi-crypt-java-scheme-vector.json') as {
      body: string;
      signing_private_key: string;
      created: number;
      expires: number;
      authorization: string;
      format_probe_authorization_json_with_beckn006_signature: string;
    };
    const keys = sodiumKeys(v.signing_private_key);
    const header = signBecknRequest(v.body, {
      subscriberId: 'example-bap.com',
      uniqueKeyId: 'bap1234',
      privateKey: keys.privateKey,
      now: new Date(v.created * 1000),
      ttlSeconds: v.expires - v.created,
    });
    expect(header).toBe(v.authorization);
    const at = new Date(v.created * 1000);
    expect(verifyBecknRequest(v.body, v.authorization, { publicKey: keys.publicKey, now: at }).scheme).toBe('nha-uhi');
    // The JSON syntax with a Beckn-006 signature (the probe of the same file) is read too.
    expect(verifyBecknRequest(v.body, v.format_probe_authorization_json_with_beckn006_signature, { publicKey: keys.publicKey, now: at }).scheme).toBe(
      'beckn-006',
    );
    const own = fixture('OWN-nha-uhi-scheme-vectors.json') as { vectors: { body: string; created: number; expires: number; signature: string }[] };
    for (const o of own.vectors) {
      const signed = signBecknRequest(o.body, {
        subscriberId: 'example-bap.com',
        uniqueKeyId: 'bap1234',
        privateKey: keys.privateKey,
        now: new Date(o.created * 1000),
        ttlSeconds: o.expires - o.created,
      });
      expect(JSON.parse(signed)).toEqual({
        headers: '(created) (expires) digest',
        expires: String(o.expires),
        signature: o.signature,
        created: String(o.created),
        keyId: 'example-bap.com|bap1234|ed25519',
        algorithm: 'ed25519',
      });
      expect(verifyBecknRequest(o.body, signed, { publicKey: keys.publicKey, now: new Date(o.created * 1000) }).scheme).toBe('nha-uhi');
    }
  });

  it('read every published header format (a JSON object, no `Signature` prefix), refusing the signature of an unknown key', () => {
    const published = fixture('nha-uhi-published-authorization-headers.json') as Record<string, string>;
    for (const key of [
      'postman_search_authorization',
      'postman_on_search_authorization',
      'swagger_v2_0_2_authorization_example',
      'swagger_v2_0_2_x_gateway_authorization_example',
    ]) {
      const header = published[key] as string;
      const created = Number((JSON.parse(header) as { created: string }).created);
      // NHA publishes no public key: the header is read (its fields, its window) and only the signature is refused.
      const error = (() => {
        try {
          verifyBecknRequest('{}', header, { publicKey: pair.publicKey, now: new Date(created * 1000) });
        } catch (e) {
          return (e as Error).message;
        }
        return 'verified';
      })();
      expect([key, error]).toEqual([key, 'The signature does not match the body and the key']);
    }
  });

  it('build the Beckn form over the newline-joined signing string, and the NHA form over its hash', () => {
    const header = signBecknRequest(body, {
      subscriberId: 'hspa.example.org',
      uniqueKeyId: 'k1',
      privateKey: pair.privateKey,
      now,
      ttlSeconds: 60,
      scheme: 'beckn-006',
    });
    const created = Math.floor(now.getTime() / 1000);
    expect(header).toMatch(
      new RegExp(
        `^Signature keyId="hspa\\.example\\.org\\|k1\\|ed25519",algorithm="ed25519",created="${created}",expires="${created + 60}",headers="\\(created\\) \\(expires\\) digest",signature="[A-Za-z0-9+/]+={0,2}"$`,
      ),
    );
    expect(becknDigest(body)).toBe(createHash('blake2b512').update(body).digest('base64'));
    const signature = Buffer.from(/signature="([^"]+)"/.exec(header)?.[1] ?? '', 'base64');
    const signing = `(created): ${created}\n(expires): ${created + 60}\ndigest: BLAKE-512=${becknDigest(body)}`;
    expect(verify(null, Buffer.from(signing), pair.publicKey, signature)).toBe(true);
    expect(verifyBecknRequest(body, header, { publicKey: pair.publicKey, now, subscriberId: 'hspa.example.org' })).toEqual({
      subscriberId: 'hspa.example.org',
      uniqueKeyId: 'k1',
      created: new Date(created * 1000),
      expires: new Date((created + 60) * 1000),
      scheme: 'beckn-006',
    });
    const nha = JSON.parse(
      signBecknRequest(body, { subscriberId: 'hspa.example.org', uniqueKeyId: 'k1', privateKey: pair.privateKey, now, ttlSeconds: 60 }),
    ) as { signature: string };
    const hashed = createHash('blake2b512').update(signing.replaceAll('\n', ' ')).digest('base64');
    expect(verify(null, Buffer.from(hashed), pair.publicKey, Buffer.from(nha.signature, 'base64'))).toBe(true);
  });

  it('accept a PEM key', () => {
    const header = signBecknRequest(body, {
      subscriberId: 's',
      uniqueKeyId: 'k',
      privateKey: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      now,
    });
    expect(verifyBecknRequest(body, header, { publicKey: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(), now }).uniqueKeyId).toBe('k');
  });

  it('refuse a tampered body, an expired signature, a wrong key, another subscriber, a malformed header', () => {
    for (const scheme of ['nha-uhi', 'beckn-006'] as const) {
      const header = signBecknRequest(body, { subscriberId: 'hspa.example.org', uniqueKeyId: 'k1', privateKey: pair.privateKey, now, ttlSeconds: 60, scheme });
      expectInvalid(() => verifyBecknRequest(body.replace('t-1', 't-2'), header, { publicKey: pair.publicKey, now }), 'authorization');
      expectInvalid(() => verifyBecknRequest(body, header, { publicKey: pair.publicKey, now: new Date(now.getTime() + 66_000) }), 'authorization');
      expectInvalid(() => verifyBecknRequest(body, header, { publicKey: pair.publicKey, now: new Date(now.getTime() - 6_000) }), 'authorization');
      expectInvalid(() => verifyBecknRequest(body, header, { publicKey: other.publicKey, now }), 'authorization');
      expectInvalid(() => verifyBecknRequest(body, header, { publicKey: pair.publicKey, now, subscriberId: 'eua.example.org' }), 'authorization');
      expectInvalid(() => verifyBecknRequest(body, header.replace(/"ed25519"/, '"rsa"'), { publicKey: pair.publicKey, now }), 'authorization');
      expectInvalid(
        () =>
          verifyBecknRequest(body, header.replace(/signature"?[=:]"[^"]+"/, scheme === 'nha-uhi' ? 'signature":"AAAA"' : 'signature="AAAA"'), {
            publicKey: pair.publicKey,
            now,
          }),
        'authorization',
      );
      expect(verifyBecknRequest(body, header, { publicKey: pair.publicKey, now: new Date(now.getTime() + 59_000) }).subscriberId).toBe('hspa.example.org');
    }
    expectInvalid(() => verifyBecknRequest(body, 'Bearer x', { publicKey: pair.publicKey, now }), 'authorization');
  });

  it('refuse a repeated parameter: a second keyId never names the subscriber', () => {
    const victim = signBecknRequest(body, { subscriberId: 'eua-x', uniqueKeyId: 'k1', privateKey: pair.privateKey, now, ttlSeconds: 60, scheme: 'beckn-006' });
    const repeated = `${victim},keyId="eua-victim|k1|ed25519"`;
    const error = (() => {
      try {
        return verifyBecknRequest(body, repeated, { publicKey: pair.publicKey, now }).subscriberId;
      } catch (e) {
        return (e as { details: { field: string } }).details.field;
      }
    })();
    expect(error).toBe('authorization');
    const json = signBecknRequest(body, { subscriberId: 'eua-x', uniqueKeyId: 'k1', privateKey: pair.privateKey, now, ttlSeconds: 60 });
    expectInvalid(() => verifyBecknRequest(body, json.replace(/}$/, ',"keyId":"eua-victim|k1|ed25519"}'), { publicKey: pair.publicKey, now }), 'authorization');
    expectInvalid(
      () => verifyBecknRequest(body, victim.replace('algorithm="ed25519"', 'algorithm="ed25519",algorithm="ed25519"'), { publicKey: pair.publicKey, now }),
      'authorization',
    );
  });

  it('refuse a validity window over the maximum (a signature for 20 years) and a created time beyond the clock skew', () => {
    const created = Math.floor(now.getTime() / 1000);
    const forYears = signBecknRequest(body, { subscriberId: 's', uniqueKeyId: 'k', privateKey: pair.privateKey, now, ttlSeconds: 3600 }).replace(
      `"expires":"${created + 3600}"`,
      `"expires":"${created + 20 * 365 * 86_400}"`,
    );
    expectInvalid(() => verifyBecknRequest(body, forYears, { publicKey: pair.publicKey, now }), 'authorization');
    const hour = signBecknRequest(body, { subscriberId: 's', uniqueKeyId: 'k', privateKey: pair.privateKey, now, ttlSeconds: 3600 });
    expect(verifyBecknRequest(body, hour, { publicKey: pair.publicKey, now }).subscriberId).toBe('s');
    expectInvalid(() => verifyBecknRequest(body, hour, { publicKey: pair.publicKey, now, maxValiditySeconds: 600 }), 'authorization');
    expect(verifyBecknRequest(body, hour, { publicKey: pair.publicKey, now: new Date(now.getTime() - 5_000) }).subscriberId).toBe('s');
    expectInvalid(
      () => verifyBecknRequest(body, hour, { publicKey: pair.publicKey, now: new Date(now.getTime() - 5_000), clockSkewSeconds: 0 }),
      'authorization',
    );
    expectInvalid(() => verifyBecknRequest(body, hour, { publicKey: pair.publicKey, now, maxValiditySeconds: 0 }), 'maxValiditySeconds');
    expectInvalid(() => verifyBecknRequest(body, hour, { publicKey: pair.publicKey, now, clockSkewSeconds: -1 }), 'clockSkewSeconds');
  });

  it('refuse bad options with the option named', () => {
    expectInvalid(() => signBecknRequest(body, { subscriberId: 'a|b', uniqueKeyId: 'k', privateKey: pair.privateKey }), 'subscriberId');
    expectInvalid(() => signBecknRequest(body, { subscriberId: 's', uniqueKeyId: '', privateKey: pair.privateKey }), 'uniqueKeyId');
    expectInvalid(() => signBecknRequest(body, { subscriberId: 's', uniqueKeyId: 'k', privateKey: pair.publicKey }), 'privateKey');
    expectInvalid(() => signBecknRequest(body, { subscriberId: 's', uniqueKeyId: 'k', privateKey: generateKeyPairSync('x25519').privateKey }), 'privateKey');
    expectInvalid(() => signBecknRequest(body, { subscriberId: 's', uniqueKeyId: 'k', privateKey: pair.privateKey, ttlSeconds: 0 }), 'ttlSeconds');
    expectInvalid(() => signBecknRequest(body, { subscriberId: 's', uniqueKeyId: 'k', privateKey: pair.privateKey, scheme: 'x' as 'nha-uhi' }), 'scheme');
    expectInvalid(
      () => verifyBecknRequest(body, signBecknRequest(body, { subscriberId: 's', uniqueKeyId: 'k', privateKey: pair.privateKey }), { publicKey: 'not a key' }),
      'publicKey',
    );
  });
});
