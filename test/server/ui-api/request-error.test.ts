/**
 * The UI API's port and protocol parameters: a Service port protocol is TCP, UDP or SCTP
 * (core/v1 Protocol), a port 1-65535; a bad one is a 400 naming what the user sent.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePortText, parseProtocolText, RequestError } from '../../../src/server/ui-api/request-error.ts';

test('parseProtocolText: TCP, UDP and SCTP in any case; anything else is a 400 quoting the input', () => {
  assert.equal(parseProtocolText('udp'), 'UDP');
  assert.equal(parseProtocolText(' SCTP '), 'SCTP');
  for (const bad of ['ICMP', 'a/b', '']) {
    assert.throws(() => parseProtocolText(bad), (err: unknown) => err instanceof RequestError && err.status === 400 && err.message === `${JSON.stringify(bad)} is not one of TCP, UDP, SCTP`);
  }
});

test('parsePortText: PORT[/PROTOCOL] with the port in 1-65535, TCP by default', () => {
  assert.deepEqual(parsePortText('53/udp'), { port: 53, protocol: 'UDP' });
  assert.deepEqual(parsePortText('80'), { port: 80, protocol: 'TCP' });
  for (const bad of ['0', '65536', 'http', '80/tcp/x']) assert.throws(() => parsePortText(bad), /is not PORT\[\/PROTOCOL\] with a port in 1-65535/);
  assert.throws(() => parsePortText('80/icmp'), /"icmp" is not one of TCP, UDP, SCTP/);
});
