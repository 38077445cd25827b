// EXIF facts, hashing and the downscale decision, on the real sample photos.
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';

import { preparePhoto, readExif, sha256Hex } from '../src/photo.js';
import { fitWithin } from '../src/fit.js';

const PHOTOS = new URL('../../../shared/photos/', import.meta.url);
const file = (name, type = 'image/jpeg') => new File([readFileSync(new URL(name, PHOTOS))], name, { type });

describe('readExif', () => {
  it('reads camera, time and GPS in decimal degrees', async () => {
    const exif = await readExif(file('gps_DSCN0010.jpg'));
    expect(exif).toMatchObject({ make: 'NIKON', model: 'COOLPIX P6000', datetime_original: '2008:10:22 16:28:39', orientation: 1 });
    expect(exif.gps_lat).toBeCloseTo(43.46745, 4);
    expect(exif.gps_lon).toBeCloseTo(11.88513, 4);
  });

  it('keeps the editing software, which the server flags', async () => {
    expect((await readExif(file('Canon_40D_photoshop_import.jpg'))).software).toBe('GIMP 2.4.5');
  });

  it('answers null for bytes without EXIF', async () => {
    expect(await readExif(new File([new Uint8Array([1, 2, 3, 4])], 'x.jpg', { type: 'image/jpeg' }))).toBeNull();
  });
});

describe('preparePhoto', () => {
  it('hashes exactly the bytes it will store and send', async () => {
    const resized = new TextEncoder().encode('re-encoded jpeg').buffer;
    const photo = await preparePhoto(file('mobile_jolla.jpg'),
      { resize: async (_f, orientation) => ({ bytes: resized, type: 'image/jpeg', width: 2048, height: 1536, resized: orientation === 1 }) });
    expect(photo.sha256).toBe(createHash('sha256').update(Buffer.from(resized)).digest('hex'));
    expect(photo).toMatchObject({ size: resized.byteLength, resized: true, exif: { make: 'Jolla' } });
  });

  it('falls back to the original bytes when the browser cannot decode the format', async () => {
    const heic = new File([new Uint8Array([0, 0, 0, 24, 102, 116, 121, 112])], 'IMG_1.HEIC', { type: 'image/heic' });
    const photo = await preparePhoto(heic, { resize: async () => { throw new Error('cannot decode'); } });
    expect(photo).toMatchObject({ type: 'image/heic', size: 8, resized: false });
    await expect(preparePhoto(new File([new Uint8Array(4)], 'x.bmp', { type: 'image/bmp' }),
      { resize: async () => { throw new Error('cannot decode'); } })).rejects.toThrow(/无法读取/);
  });

  it('sha256Hex matches node', async () => {
    const bytes = readFileSync(new URL('Canon_40D.jpg', PHOTOS));
    expect(await sha256Hex(bytes)).toBe(createHash('sha256').update(bytes).digest('hex'));
  });
});

describe('fitWithin', () => {
  it('scales the long edge to 2048 and never up', () => {
    expect(fitWithin(4000, 3000, 2048)).toEqual({ width: 2048, height: 1536 });
    expect(fitWithin(3000, 4000, 2048)).toEqual({ width: 1536, height: 2048 });
    expect(fitWithin(640, 480, 2048)).toEqual({ width: 640, height: 480 });
  });
});
