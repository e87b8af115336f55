/**
 * WebSocket framing against the examples of RFC 6455 (section 1.3 handshake key, section 5.7 frames)
 * and the v5.channel.k8s.io status messages kubectl decodes.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CHANNEL, exitCodeStatus, frame } from '../../src/server/exec.ts';
import { acceptKey, chooseProtocol, decodeFrames, encodeFrame, OPCODE, ProtocolError } from '../../src/server/websocket.ts';

describe('RFC 6455', () => {
  test('1.3: Sec-WebSocket-Accept of the sample nonce', () => {
    assert.equal(acceptKey('dGhlIHNhbXBsZSBub25jZQ=='), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });

  test('5.7: a single-frame unmasked text message "Hello"', () => {
    assert.deepEqual(encodeFrame(OPCODE.text, Buffer.from('Hello')), Buffer.from([0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]));
  });

  test('5.7: a single-frame masked text message "Hello"', () => {
    const { frames, consumed } = decodeFrames(Buffer.from([0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]));
    assert.equal(consumed, 11);
    assert.deepEqual(frames, [{ fin: true, opcode: OPCODE.text, payload: Buffer.from('Hello') }]);
  });

  test('5.7: a fragmented unmasked text message "Hel" + "lo"', () => {
    const { frames } = decodeFrames(Buffer.from([0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f]), false);
    assert.deepEqual(frames.map((f) => [f.fin, f.opcode, f.payload.toString()]), [[false, OPCODE.text, 'Hel'], [true, OPCODE.continuation, 'lo']]);
  });

  test('5.7: 256 bytes in a single unmasked binary message use the 16-bit length', () => {
    const f = encodeFrame(OPCODE.binary, Buffer.alloc(256));
    assert.deepEqual([...f.subarray(0, 4)], [0x82, 0x7e, 0x01, 0x00]);
  });

  test('5.7: 64 KiB use the 64-bit length', () => {
    const f = encodeFrame(OPCODE.binary, Buffer.alloc(65536));
    assert.deepEqual([...f.subarray(0, 10)], [0x82, 0x7f, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00]);
  });

  test('an incomplete frame waits for more bytes', () => {
    const { frames, consumed } = decodeFrames(Buffer.from([0x81, 0x85, 0x37, 0xfa]));
    assert.equal(frames.length, 0);
    assert.equal(consumed, 0);
  });

  test('5.1: an unmasked client frame is a protocol error (close 1002)', () => {
    assert.throws(() => decodeFrames(Buffer.from([0x81, 0x01, 0x41])), (e: unknown) => e instanceof ProtocolError && e.closeCode === 1002);
  });

  test('subprotocol: the server picks its preferred version among those offered', () => {
    const supported = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
    assert.equal(chooseProtocol('v4.channel.k8s.io, v5.channel.k8s.io, channel.k8s.io', supported), 'v5.channel.k8s.io');
    assert.equal(chooseProtocol('v4.channel.k8s.io,base64.channel.k8s.io', supported), 'v4.channel.k8s.io');
    assert.equal(chooseProtocol('channel.k8s.io', supported), undefined);
  });
});

describe('v5.channel.k8s.io messages', () => {
  test('each message starts with its channel byte', () => {
    assert.deepEqual([...frame(CHANNEL.stdout, 'hi')], [1, 0x68, 0x69]);
    assert.equal(CHANNEL.close, 255);
  });

  test('a non-zero exit is a NonZeroExitCode Status with an ExitCode cause (what kubectl reads)', () => {
    const s = exitCodeStatus(['sh', '-c', 'exit 3'], 3);
    assert.equal(s.status, 'Failure');
    assert.equal(s.reason, 'NonZeroExitCode');
    assert.deepEqual(s.details?.causes, [{ reason: 'ExitCode', message: '3' }]);
  });
});
