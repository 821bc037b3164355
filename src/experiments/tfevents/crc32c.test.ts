import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32c, maskedCrc32c } from './crc32c';

const FIRST_FILE = 'events.out.tfevents.tbx-scalars';

describe('tfevents crc32c', () => {
  // Check values from RFC 3720 (iSCSI), appendix B.4, and the common "123456789" check value of CRC-32C.
  it('gives the check value of "123456789"', () => {
    assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
  });
  it('gives the RFC 3720 values for 32 bytes of zeros, of 0xff, ascending and descending', () => {
    assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
    assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
    assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e);
    assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i)), 0x113fdb5c);
  });
  it('reads a range of a buffer, with any start alignment', () => {
    const data = Buffer.from('xx123456789yy');
    assert.equal(crc32c(data, 2, 11), 0xe3069283);
  });
  it('masks as TensorFlow does (the length header of the first record of a tensorboardX file)', () => {
    // Bytes 0-11 of test/fixtures/tfevents/tbx-scalars (written by tensorboardX): uint64 length, masked CRC-32C of it.
    const head = readFileSync(join(__dirname, '..', '..', '..', 'test', 'fixtures', 'tfevents', 'tbx-scalars', FIRST_FILE)).subarray(0, 12);
    assert.equal(maskedCrc32c(head, 0, 8), head.readUInt32LE(8));
  });
});
