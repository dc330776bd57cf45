// Image folders: <dir>/<class>/<image>.png|.jpg|.jpeg, one folder per class (torchvision's
// ImageFolder layout; classes in sorted order), optionally under <dir>/train and <dir>/test.
// Decoded with sharp, which is asynchronous only, so this loader returns a promise.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { type Dataset, makeDataset } from './dataset.js';

export interface ImageFolderOptions {
  split?: 'train' | 'test';
  /** Side of the square every image is resized to (stretched, as torchvision's Resize((s, s))); default: the first image's smaller side. */
  size?: number;
  /** Images decoded at once. */
  concurrency?: number;
}

const EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);
const HINT = 'imagefolder wants --data-dir DIR with one sub-folder of PNG/JPEG images per class (DIR/<class>/*.png), optionally under DIR/train and DIR/test';

type Sharp = (typeof import('sharp'))['default'];

async function importSharp(): Promise<Sharp> {
  try {
    return (await import('sharp')).default;
  } catch (e) {
    throw new Error(`imagefolder needs the sharp package, which failed to load (${(e as Error).message.split('\n')[0]}); run 'npm install' (sharp ships prebuilt binaries for linux-x64)`);
  }
}

function isDir(p: string): boolean {
  return existsSync(p) && statSync(p).isDirectory();
}

/** The folder holding the class folders of `split`. */
function splitRoot(dir: string, split: 'train' | 'test'): string {
  if (!isDir(dir)) throw new Error(`imagefolder: '${dir}' is not a folder; ${HINT}`);
  if (isDir(join(dir, split))) return join(dir, split);
  if (split === 'train') return dir;
  throw new Error(`imagefolder: no '${join(dir, 'test')}' folder for the test split; ${HINT}`);
}

function classFolders(root: string): string[] {
  return readdirSync(root).filter((name) => !name.startsWith('.') && isDir(join(root, name))).sort();
}

/**
 * Class names (sorted sub-folder names) and every image file with its class index, class-interleaved:
 * the first image of every class, then the second, and so on. The DARTS split and --train-limit take
 * prefixes in this order, which in class-by-class order would hand whole classes to one side only.
 * `classes` (the training folder's, for a test folder) fixes the label of each folder name.
 */
export function listImageFolder(root: string, classes: string[] = classFolders(root)): { classes: string[]; files: { path: string; label: number }[] } {
  if (classes.length === 0) throw new Error(`imagefolder: '${root}' has no class folders; ${HINT}`);
  const unknown = classFolders(root).filter((name) => !classes.includes(name));
  if (unknown.length > 0) throw new Error(`imagefolder: '${root}' has class folders the training folder lacks (${unknown.join(', ')}); labels would not match`);
  const perClass = classes.map((name) => {
    const dir = join(root, name);
    const images = isDir(dir) ? readdirSync(dir).filter((f) => EXTENSIONS.has(extname(f).toLowerCase())).sort() : [];
    if (images.length === 0 && isDir(dir)) throw new Error(`imagefolder: class folder '${dir}' has no .png/.jpg/.jpeg images; ${HINT}`);
    return images.map((f) => join(dir, f));
  });
  const files: { path: string; label: number }[] = [];
  const rounds = Math.max(...perClass.map((list) => list.length));
  for (let i = 0; i < rounds; i++) {
    perClass.forEach((list, label) => {
      if (i < list.length) files.push({ path: list[i]!, label });
    });
  }
  if (files.length === 0) throw new Error(`imagefolder: no .png/.jpg/.jpeg images under '${root}'; ${HINT}`);
  return { classes, files };
}

/** Loads an image folder as RGB images of one square size. */
export async function loadImageFolder(dir: string, o: ImageFolderOptions = {}): Promise<Dataset> {
  const split = o.split ?? 'train';
  // A test folder takes the training folder's class list, so a class missing from it keeps the label numbers.
  const trainRoot = split === 'test' && isDir(join(dir, 'train')) ? join(dir, 'train') : undefined;
  const { classes, files } = listImageFolder(splitRoot(dir, split), trainRoot ? classFolders(trainRoot) : undefined);
  const sharp = await importSharp();
  let size = o.size;
  if (size === undefined) {
    const meta = await sharp(files[0]!.path).metadata().catch((e: Error) => {
      throw new Error(`imagefolder: cannot read '${files[0]!.path}' (${e.message.split('\n')[0]}); is it a PNG or JPEG image?`);
    });
    size = Math.min(meta.width ?? 0, meta.height ?? 0);
  }
  if (!Number.isInteger(size) || size < 1) throw new Error(`imagefolder: image size must be a positive integer, got ${size}`);
  const side = size;
  const perImage = side * side * 3;
  const pixels = new Uint8Array(files.length * perImage);
  const decode = async (k: number): Promise<void> => {
    const { path } = files[k]!;
    let buf: Buffer;
    try {
      // Grey and palette images become three equal channels; alpha is dropped (composited on black by libvips).
      buf = await sharp(path).removeAlpha().toColourspace('srgb').resize(side, side, { fit: 'fill' }).raw().toBuffer();
    } catch (e) {
      throw new Error(`imagefolder: cannot decode '${path}' (${(e as Error).message.split('\n')[0]}); is it a PNG or JPEG image?`);
    }
    if (buf.length !== perImage) throw new Error(`imagefolder: '${path}' decoded to ${buf.length} bytes, expected ${side}×${side}×3`);
    pixels.set(buf, k * perImage);
  };
  // A few decodes in flight keep libvips' threads busy without holding every file in memory.
  const concurrency = Math.max(1, o.concurrency ?? 8);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) await decode(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, worker));
  const labels = Uint8Array.from(files, (f) => f.label);
  if (classes.length > 256) throw new Error(`imagefolder: ${classes.length} class folders; at most 256 are supported`);
  return makeDataset({ name: 'imagefolder', pixels, labels, shape: [files.length, side, side, 3], classes });
}
