/**
 * The encoder and the model's size estimate (wireFit) agree byte for byte on every shared case, and on
 * where a 512-byte UDP answer is cut; the encoder's output decodes with dns-packet to the same records.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeResponse, parseQuery } from '../../../src/dataplane/dns/index.ts';
import { ClusterDNS, wireFit } from '../../../src/model/dns/index.ts';
import { suites } from '../../model/dns/cases.ts';
import { ep, fixtureView, service, slice } from '../../model/dns/fixture.ts';
import { decodeReply, encodeQuery } from './client.ts';

const big = (n: number) => [
  service('testns', 'big', { clusterIP: 'None', clusterIPs: ['None'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }),
  slice('testns', 'big', 'big-x', 'IPv4', Array.from({ length: n }, (_, i) => ep(`10.244.9.${i + 1}`)), [{ name: 'http', port: 80, protocol: 'TCP' }]),
];

describe('wire: encoder vs wireFit', () => {
  const dns = new ClusterDNS(fixtureView({}, big(40)));
  const questions = [...suites[0].cases.map((c) => [c.qname, c.qtype]), ['big.testns.svc.cluster.local.', 'A'], ['_http._tcp.big.testns.svc.cluster.local.', 'SRV']];
  for (const [qname, qtype] of questions) {
    for (const edns of [undefined, 4096]) {
      it(`${qname} ${qtype}${edns ? ' +edns' : ''}`, () => {
        const parsed = parseQuery(encodeQuery(qname, qtype, { edns }));
        assert.equal(parsed.kind, 'query');
        if (parsed.kind !== 'query') return;
        const resp = dns.answer({ name: parsed.query.name, type: parsed.query.type });
        const full = encodeResponse(parsed.query, resp, { maxSize: 65535 });
        const fit = wireFit(parsed.query.name, resp, 512, edns !== undefined);
        assert.equal(fit.size, full.length, 'size');
        const cut = encodeResponse(parsed.query, resp, { maxSize: 512 });
        const d = decodeReply(cut);
        assert.equal(d.truncated, fit.truncated, 'TC');
        assert.equal(d.answer.length + d.authority.length + d.additional.length, fit.fitting, 'records that fit');
        assert.ok(cut.length <= 512);
        if (!fit.truncated) assert.equal(d.answer.length, resp.answer.length, 'every answer record present');
        if (qname.startsWith('big.') && !edns) assert.equal(fit.truncated, true, '40 A records do not fit 512 bytes');
      });
    }
  }
});
