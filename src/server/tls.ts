/**
 * A self-signed CA and a server certificate it signs, for `podnet serve --tls`. Node can make keys
 * and signatures but not certificates, so the X.509 structures (RFC 5280) are DER-encoded here:
 * ECDSA P-256 keys, SHA-256 signatures, the CA with basicConstraints CA:TRUE, the server certificate
 * with serverAuth and subjectAltNames for the listen address, 127.0.0.1, ::1 and localhost.
 */
import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';

// ---- DER ----

function len(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

const tlv = (tag: number, content: Buffer): Buffer => Buffer.concat([Buffer.from([tag]), len(content.length), content]);
const seq = (...items: Buffer[]): Buffer => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]): Buffer => tlv(0x31, Buffer.concat(items));
const explicit = (n: number, inner: Buffer): Buffer => tlv(0xa0 | n, inner);
const octets = (b: Buffer): Buffer => tlv(0x04, b);
const bits = (b: Buffer, unused = 0): Buffer => tlv(0x03, Buffer.concat([Buffer.from([unused]), b]));
const bool = (v: boolean): Buffer => tlv(0x01, Buffer.from([v ? 0xff : 0]));
const utf8 = (s: string): Buffer => tlv(0x0c, Buffer.from(s, 'utf8'));

function integer(b: Buffer): Buffer {
  let v = b;
  while (v.length > 1 && v[0] === 0 && !(v[1] & 0x80)) v = v.subarray(1);
  if (v[0] & 0x80) v = Buffer.concat([Buffer.from([0]), v]);
  return tlv(0x02, v);
}

function oid(text: string): Buffer {
  const parts = text.split('.').map(Number);
  const out: number[] = [40 * parts[0] + parts[1]];
  for (const p of parts.slice(2)) {
    const chunk: number[] = [p & 0x7f];
    for (let v = Math.floor(p / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

function time(d: Date): Buffer {
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14); // YYYYMMDDHHMMSS
  return d.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(`${iso.slice(2)}Z`)) : tlv(0x18, Buffer.from(`${iso}Z`));
}

const OID = {
  ecdsaWithSHA256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  serverAuth: '1.3.6.1.5.5.7.3.1',
};

const name = (cn: string): Buffer => seq(set(seq(oid(OID.organization), utf8('podnet'))), set(seq(oid(OID.commonName), utf8(cn))));
const extension = (id: string, critical: boolean, value: Buffer): Buffer => seq(oid(id), ...(critical ? [bool(true)] : []), octets(value));

function ipBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split('.').map(Number));
  const [head, tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g || '0', 16), i * 2));
  return out;
}

function subjectAltNames(hosts: readonly string[]): Buffer {
  const entries = [...new Set(hosts)].map((h) => (isIP(h) ? tlv(0x87, ipBytes(h)) : tlv(0x82, Buffer.from(h, 'ascii'))));
  return seq(...entries);
}

/** Key identifier: SHA-1 of the encoded public key (RFC 5280 4.2.1.2, method 1 in spirit). */
function keyId(spki: Buffer): Buffer {
  return createHash('sha1').update(spki).digest();
}

interface CertInput {
  subject: string;
  issuer: string;
  publicKey: KeyObject;
  signingKey: KeyObject;
  ca: boolean;
  hosts?: readonly string[];
  authorityKeyId?: Buffer;
  days: number;
}

function certificate(input: CertInput): { pem: string; keyId: Buffer } {
  const spki = input.publicKey.export({ type: 'spki', format: 'der' });
  const ski = keyId(spki);
  const serial = randomBytes(16);
  serial[0] &= 0x7f;
  serial[0] |= 0x01;
  const algorithm = seq(oid(OID.ecdsaWithSHA256));
  const now = new Date();
  const notBefore = new Date(now.getTime() - 60 * 60 * 1000);
  const notAfter = new Date(now.getTime() + input.days * 24 * 60 * 60 * 1000);
  const extensions = [
    extension(OID.basicConstraints, true, input.ca ? seq(bool(true)) : seq()),
    // digitalSignature + keyCertSign + cRLSign (CA) / digitalSignature + keyEncipherment (server)
    extension(OID.keyUsage, true, input.ca ? bits(Buffer.from([0x86]), 1) : bits(Buffer.from([0xa0]), 5)),
    extension(OID.subjectKeyIdentifier, false, octets(ski)),
  ];
  if (!input.ca) {
    extensions.push(extension(OID.extKeyUsage, false, seq(oid(OID.serverAuth))));
    extensions.push(extension(OID.subjectAltName, false, subjectAltNames(input.hosts ?? [])));
  }
  if (input.authorityKeyId) extensions.push(extension(OID.authorityKeyIdentifier, false, seq(tlv(0x80, input.authorityKeyId))));
  const tbs = seq(
    explicit(0, integer(Buffer.from([2]))),
    integer(serial),
    algorithm,
    name(input.issuer),
    seq(time(notBefore), time(notAfter)),
    name(input.subject),
    spki,
    explicit(3, seq(...extensions)),
  );
  const signature = sign('sha256', tbs, input.signingKey);
  const der = seq(tbs, algorithm, bits(signature));
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n').trimEnd();
  return { pem: `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`, keyId: ski };
}

export interface TLSMaterial {
  /** PEM of the CA certificate (goes into the kubeconfig). */
  ca: string;
  /** Server certificate followed by nothing else (clients trust the CA). */
  cert: string;
  /** Server private key (PKCS#8 PEM). */
  key: string;
}

/** A fresh CA and a server certificate for `hosts` (plus loopback names), valid for a year. */
export function selfSignedTLS(hosts: readonly string[]): TLSMaterial {
  const caKeys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const ca = certificate({ subject: 'podnet-ca', issuer: 'podnet-ca', publicKey: caKeys.publicKey, signingKey: caKeys.privateKey, ca: true, days: 365 });
  const serverKeys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const server = certificate({
    subject: 'podnet-apiserver',
    issuer: 'podnet-ca',
    publicKey: serverKeys.publicKey,
    signingKey: caKeys.privateKey,
    ca: false,
    hosts: [...hosts, '127.0.0.1', '::1', 'localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc'],
    authorityKeyId: ca.keyId,
    days: 365,
  });
  const key = createPrivateKey(serverKeys.privateKey.export({ type: 'pkcs8', format: 'pem' })).export({ type: 'pkcs8', format: 'pem' }).toString();
  return { ca: ca.pem, cert: server.pem, key };
}
