/**
 * Whether a Secret named by an Ingress `tls[].secretName` or a Gateway listener `certificateRefs`
 * can serve as a certificate, as each controller decides it:
 * - ingress-nginx (getPemCertificate) reads `tls.crt` and `tls.key` whatever the Secret's type; a
 *   Secret that is missing, lacks either key or holds no PEM keypair is logged and the host gets the
 *   controller's default (fake) certificate;
 * - Gateway API (GatewayTLSConfig, Core support: "a single reference to a Kubernetes Secret of type
 *   kubernetes.io/tls"): anything else is an invalid certificate ref (ResolvedRefs=False,
 *   InvalidCertificateRef).
 * The PEM check is structural (a CERTIFICATE block and a PRIVATE KEY block); whether the key matches
 * the certificate, or the certificate names the host, needs X.509 parsing and is not modelled.
 */
import { decodeBase64Text } from '../../api/base64.ts';
import { SECRET_TYPES, TLS_CERT_KEY, TLS_PRIVATE_KEY_KEY, type Secret } from '../../api/types.ts';
import type { ClusterView } from '../../cluster/view.ts';

export interface CertificateProblem {
  /** NotFound | NotTLSType | MissingKeys | MalformedPEM */
  reason: string;
  message: string;
}

export type CertificateConsumer = 'ingress-nginx' | 'gateway';

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;
const PEM_KEY = /-----BEGIN ([A-Z]+ )?PRIVATE KEY-----[\s\S]+?-----END ([A-Z]+ )?PRIVATE KEY-----/;

/** The problem that keeps Secret `namespace/name` from serving as a certificate, or undefined when it can. */
export function certificateSecretProblem(view: ClusterView, namespace: string, name: string, consumer: CertificateConsumer): CertificateProblem | undefined {
  const key = `${namespace}/${name}`;
  const secret = view.get<Secret>('Secret', namespace, name);
  if (!secret) return { reason: 'NotFound', message: `Secret ${key} does not exist` };
  const type = secret.type ?? SECRET_TYPES.opaque;
  if (consumer === 'gateway' && type !== SECRET_TYPES.tls) {
    return { reason: 'NotTLSType', message: `Secret ${key} is of type ${type}, not ${SECRET_TYPES.tls}` };
  }
  const data = secret.data ?? {};
  const missing = [TLS_CERT_KEY, TLS_PRIVATE_KEY_KEY].filter((k) => data[k] === undefined);
  if (missing.length) {
    const message = consumer === 'ingress-nginx' ? `secret "${key}" contains no keypair or CA certificate (no ${missing.join(', ')})` : `Secret ${key} has no ${missing.join(' or ')}`;
    return { reason: 'MissingKeys', message };
  }
  const cert = decodeBase64Text(data[TLS_CERT_KEY]) ?? '';
  const privateKey = decodeBase64Text(data[TLS_PRIVATE_KEY_KEY]) ?? '';
  if (!PEM_CERT.test(cert)) return { reason: 'MalformedPEM', message: `Secret ${key}: ${TLS_CERT_KEY} holds no PEM CERTIFICATE block` };
  if (!PEM_KEY.test(privateKey)) return { reason: 'MalformedPEM', message: `Secret ${key}: ${TLS_PRIVATE_KEY_KEY} holds no PEM PRIVATE KEY block` };
  return undefined;
}
