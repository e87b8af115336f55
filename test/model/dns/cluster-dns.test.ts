/** The cluster DNS model answers every case of the shared suite (cases.ts) exactly as CoreDNS would. */
import { describe, it } from 'node:test';
import { ClusterDNS } from '../../../src/model/dns/index.ts';
import { checkCase, suites } from './cases.ts';
import { fixtureView } from './fixture.ts';

for (const suite of suites) {
  describe(`ClusterDNS: ${suite.name}`, () => {
    const dns = new ClusterDNS(fixtureView(suite.dns));
    for (const c of suite.cases) {
      it(c.name, () => {
        checkCase(dns.answer({ name: c.qname, type: c.qtype }, { ip: c.client }), c);
      });
    }
  });
}
