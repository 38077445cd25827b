// Decodes and downscales one photo off the main thread. A JPEG already small enough and upright is
// kept byte for byte (its EXIF stays with the evidence); anything else is re-encoded as JPEG.
import { fitWithin } from './fit.js';

self.onmessage = async ({ data: { job, file, maxEdge, quality, orientation } }) => {
  try {
    const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
    const { width, height } = fitWithin(bitmap.width, bitmap.height, maxEdge);
    const keep = file.type === 'image/jpeg' && width === bitmap.width && (orientation || 1) === 1;
    let bytes;
    if (keep) {
      bytes = await file.arrayBuffer();
    } else {
      const canvas = new OffscreenCanvas(width, height);
      const context = canvas.getContext('2d');
      context.imageSmoothingQuality = 'high';
      context.drawImage(bitmap, 0, 0, width, height);
      bytes = await (await canvas.convertToBlob({ type: 'image/jpeg', quality })).arrayBuffer();
    }
    bitmap.close();
    self.postMessage({ job, bytes, type: 'image/jpeg', width, height, resized: !keep }, [bytes]);
  } catch (error) {
    self.postMessage({ job, error: String(error) });
  }
};
