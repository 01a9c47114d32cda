// Checks one DSSE envelope with Sigstore's verifier, not cell-runner's code: the envelope goes into a
// Sigstore bundle (v0.3, public-key verification material, no transparency log), @sigstore/verify checks the
// signature over DSSE's pre-authentication encoding with the given Ed25519 public key (PEM), then the
// payload is read as an in-toto Statement v1. Usage: node check.js ENVELOPE.json PUBLIC.pem
// Prints "ok <predicateType> <subjects>" and exits 0, or prints why and exits 1.
'use strict';
const fs = require('fs');
const crypto = require('crypto');
const { bundleFromJSON } = require('@sigstore/bundle');
const { Verifier, toSignedEntity, toTrustMaterial } = require('@sigstore/verify');

function main([envelopePath, keyPath]) {
  const envelope = JSON.parse(fs.readFileSync(envelopePath, 'utf8'));
  const publicKey = crypto.createPublicKey(fs.readFileSync(keyPath, 'utf8'));
  const hint = envelope.signatures[0].keyid;
  const bundle = bundleFromJSON({
    mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
    verificationMaterial: { publicKey: { hint }, tlogEntries: [], timestampVerificationData: { rfc3161Timestamps: [] } },
    dsseEnvelope: envelope,
  });
  const trust = toTrustMaterial(
    { certificateAuthorities: [], timestampAuthorities: [], tlogs: [], ctlogs: [] },
    (wanted) => {
      if (wanted !== hint) throw new Error('unknown key ' + wanted);
      return { publicKey, validFor: () => true };
    });
  new Verifier(trust, { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 }).verify(toSignedEntity(bundle));
  if (envelope.payloadType !== 'application/vnd.in-toto+json') throw new Error('payloadType ' + envelope.payloadType);
  const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8'));
  if (statement._type !== 'https://in-toto.io/Statement/v1') throw new Error('_type ' + statement._type);
  if (!Array.isArray(statement.subject) || statement.subject.length === 0) throw new Error('no subject');
  for (const s of statement.subject) {
    if (typeof s.name !== 'string' || !/^[0-9a-f]{64}$/.test((s.digest || {}).sha256 || '')) throw new Error('bad subject ' + JSON.stringify(s));
  }
  console.log('ok ' + statement.predicateType + ' ' + statement.subject.map((s) => s.name).join(' '));
}

try {
  main(process.argv.slice(2));
} catch (e) {
  console.log('FAILED ' + (e && e.message ? e.message : e));
  process.exit(1);
}
