/** A DNS question and the answer the model gives: the parts of a DNS message that carry meaning. */
import type { ResourceRecord } from './records.ts';

export type Rcode = 'NOERROR' | 'FORMERR' | 'SERVFAIL' | 'NXDOMAIN' | 'NOTIMP' | 'REFUSED';

export const RCODE_VALUES: Readonly<Record<Rcode, number>> = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 };

export interface Question {
  /** As the client wrote it; absolute or not (it is made absolute). */
  name: string;
  /** Upper-case mnemonic (`A`, `SRV`, `HINFO`) or `TYPE<n>` for types without one. */
  type: string;
}

/** Who produced an answer, for explanations (`podnet dig`) and for the server's cache policy. */
export type Responder = 'kubernetes' | 'autopath' | 'upstream';

export interface DNSResponse {
  rcode: Rcode;
  /** AA: the kubernetes plugin answers authoritatively; forwarded answers are not. */
  authoritative: boolean;
  /** RA: set on forwarded answers (the upstream recursor's flag); CoreDNS's own answers leave it clear. */
  recursionAvailable: boolean;
  answer: ResourceRecord[];
  authority: ResourceRecord[];
  additional: ResourceRecord[];
  answeredBy: Responder;
}

export function emptyResponse(rcode: Rcode, answeredBy: Responder, authoritative: boolean): DNSResponse {
  return { rcode, authoritative, recursionAvailable: !authoritative && answeredBy === 'upstream', answer: [], authority: [], additional: [], answeredBy };
}

/** NOERROR with no answer records: the name exists but has no data of the asked type. */
export function isNoData(r: DNSResponse): boolean {
  return r.rcode === 'NOERROR' && r.answer.length === 0;
}
